// A guided tour's caption for the step on screen, above the map: where the reader is in the tour, what to
// look at, and play / pause at a pace of their choosing. Only shown when the case has captions.

import { useSyncExternalStore } from 'react';
import { stepCount, useSession } from '../../state/session';
import { isPlaying, onPlayChange, setPlaying } from '../play';
import { Icon } from '../shell/icons';
import { PACES, tourSelector, usePace } from './current';

export function TourCard() {
  const tour = useSession(tourSelector);
  const shown = useSession((s) => s.shown);
  const cursor = useSession((s) => s.cursor);
  const n = useSession(stepCount);
  const playing = useSyncExternalStore(onPlayChange, isPlaying);
  const pace = usePace((s) => s.pace);
  if (!tour) return null;
  // The caption follows the state on screen, not the step asked for, so words and picture agree.
  const at = shown >= 0 ? shown : cursor;
  const caption = tour.captions[at] ?? '';
  const stopped = !playing && tour.pauses[at] && at < n;
  return (
    <section className="tour" aria-label="Guided tour" data-testid="tour">
      <div className="tour-head">
        <span className="tour-badge">Guided tour</span>
        <span className="muted" data-testid="tour-position">
          {at === 0 ? 'before step 1' : `step ${at} of ${n}`}
        </span>
        <span className="grow" />
        <label className="muted" htmlFor="tour-pace">
          pace
        </label>
        <select id="tour-pace" value={pace} onChange={(e) => usePace.getState().set(Number(e.target.value))}>
          {PACES.map((p) => (
            <option key={p} value={p}>
              {p}×
            </option>
          ))}
        </select>
        <button
          type="button"
          className="small"
          onClick={() => setPlaying(!playing)}
          data-testid="tour-play"
          title={playing ? 'Pause the tour' : 'Play the tour'}
        >
          <Icon name={playing ? 'pause' : 'play'} /> {playing ? 'Pause' : at >= n ? 'Replay' : 'Play'}
        </button>
      </div>
      {/* One live region: the caption and, at a pause, the hint are read out as they change. */}
      <div aria-live="polite">
        <p className="tour-caption" data-testid="tour-caption">
          {caption}
        </p>
        {stopped && (
          <p className="tour-hint muted" data-testid="tour-paused">
            Paused here to look. Play or → goes on.
          </p>
        )}
      </div>
    </section>
  );
}
