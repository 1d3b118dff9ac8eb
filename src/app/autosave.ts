// The working scenario kept in the browser's local storage as a share link (inputs only), written half a
// second after the last change, so a reload without a link in the address comes back to it. What is
// read back is decoded like any link: a damaged entry is dropped and the first preset opens instead.

import { useSelection } from '../state/selection';
import { useSession } from '../state/session';
import { useAppStore } from '../state/store';
import { useView } from '../state/view';
import { currentLink } from './share';

const KEY = 'vgpu-dma-viz:working-scenario';

/** The saved link, or null (nothing saved, or storage unavailable). */
export function savedLink(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function forgetSavedLink(): void {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    // Storage is unavailable: there is nothing to forget.
  }
}

/** Saves the working scenario after each change, from now on; returns the unsubscribe. */
export function startAutosave(): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void currentLink().then((link) => {
        if (!link) return;
        try {
          window.localStorage.setItem(KEY, link);
        } catch {
          // Storage full or disabled: the page works on without it.
        }
      });
    }, 500);
  };
  const unsubscribe = [
    useSession.subscribe((s, p) => {
      if (s.doc !== p.doc || s.cursor !== p.cursor || s.info !== p.info) schedule();
    }),
    useSelection.subscribe((s, p) => {
      if (s.pinned !== p.pinned || s.follow !== p.follow) schedule();
    }),
    useAppStore.subscribe((s, p) => {
      if (s.kernel !== p.kernel) schedule();
    }),
    useView.subscribe((s, p) => {
      if (s.tab !== p.tab) schedule();
    }),
  ];
  return () => {
    if (timer) clearTimeout(timer);
    unsubscribe.forEach((u) => u());
  };
}
