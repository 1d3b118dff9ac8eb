// Embed mode (`?embed` in the address): the translation map and the timeline only, read-only, for slides
// and blog posts, with a link that opens the same state in the full app. Opened like the app itself: a
// link in the fragment, or the first preset.
import { useEffect, useState } from 'react';
import { useSelection } from '../state/selection';
import { useSession } from '../state/session';
import { useAppStore } from '../state/store';
import { TranslationView } from '../views/translation/TranslationView';
import { useKeymap, type Command } from './commands';
import { currentLink } from './share';
import { Timeline } from './shell/Timeline';
import { TourCard } from './tour/TourCard';

/** Whether the page was asked for embed mode. */
export const isEmbed = (search: string): boolean => new URLSearchParams(search).has('embed');

/** Stepping, selecting and viewing only: nothing that edits, saves or copies. */
const readOnly = (c: Command) => c.group !== 'Edit' && !['share.copy', 'view.svg', 'view.png'].includes(c.id);

/** The full app's address for the state on screen. */
function useFullAppHref(): string {
  const doc = useSession((s) => s.doc);
  const cursor = useSession((s) => s.cursor);
  const info = useSession((s) => s.info);
  const pinned = useSelection((s) => s.pinned);
  const follow = useSelection((s) => s.follow);
  const [href, setHref] = useState('');
  useEffect(() => {
    let live = true;
    void currentLink().then((link) => {
      const url = new URL(window.location.href);
      url.searchParams.delete('embed');
      url.hash = link ?? '';
      if (live) setHref(url.href);
    });
    return () => {
      live = false;
    };
  }, [doc, cursor, info, pinned, follow]);
  return href;
}

export function Embed() {
  useKeymap(readOnly);
  const title = useSession((s) => s.title);
  const message = useAppStore((s) => s.message);
  const href = useFullAppHref();
  return (
    <div className="embed" data-testid="embed">
      <header className="embed-bar">
        <strong>vgpu-dma-viz</strong>
        <span className="muted">{title}</span>
        <span className="grow" />
        <a href={href || undefined} target="_blank" rel="noopener" data-testid="open-full-app">
          Open in the full app ↗
        </a>
      </header>
      {message && (
        <p role="alert" className="message">
          {message}
        </p>
      )}
      <main className="embed-map">
        <TourCard />
        <TranslationView />
      </main>
      <footer>
        <Timeline />
      </footer>
    </div>
  );
}
