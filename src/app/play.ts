// Play / pause: steps on by itself once each step is on screen. A guided tour leaves each caption up long
// enough to read it at the reader's pace and stops at the steps where its caption asks the reader to look.

import { stepCount, useSession } from '../state/session';
import { useView } from '../state/view';
import { seek } from './actions';
import { currentTour, usePace } from './tour/current';
import { dwellMs } from './tour/tour';

/** Between steps when the scenario has no captions. */
const PLAIN_MS = 700;
/** How often to look whether the worker has put the asked-for step on screen, and for how long at most. */
const POLL_MS = 40;
const WAIT_MS = 120_000;

let playing = false;
let timer: ReturnType<typeof setTimeout> | null = null;
/** The step playback started from: a pause there is the one the reader just pressed Play on. */
let startedAt = -1;
/** Since when the step asked for has not been on screen. */
let waitingSince = 0;
const listeners = new Set<() => void>();

export function isPlaying(): boolean {
  return playing;
}

export function onPlayChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function tick(): void {
  timer = null;
  if (!playing) return;
  const s = useSession.getState();
  if (s.shown !== s.cursor) {
    // A step the worker never shows (it failed, or was replaced) ends playback rather than polling on.
    if (performance.now() - waitingSince > WAIT_MS) return setPlaying(false);
    timer = setTimeout(tick, POLL_MS);
    return;
  }
  const tour = currentTour();
  if (tour?.pauses[s.cursor] && s.cursor !== startedAt) return setPlaying(false);
  if (s.cursor >= stepCount(s)) return setPlaying(false);
  const ms = tour ? dwellMs(tour.captions[s.cursor] ?? '', usePace.getState().pace) : PLAIN_MS;
  timer = setTimeout(() => {
    timer = null;
    if (!playing) return;
    seek(useSession.getState().cursor + 1);
    waitingSince = performance.now();
    timer = setTimeout(tick, POLL_MS);
  }, ms);
}

export function setPlaying(on: boolean): void {
  if (timer) clearTimeout(timer);
  timer = null;
  playing = on;
  if (on) {
    const s = useSession.getState();
    if (s.cursor >= stepCount(s)) seek(0);
    startedAt = useSession.getState().cursor;
    waitingSince = performance.now();
    tick();
  }
  for (const fn of listeners) fn();
}

// Another scenario, case or profile on screen, or another tab: playback of what was shown stops, so no
// timer of the old scenario steps the new one.
useSession.subscribe((s, before) => {
  if (playing && (s.info !== before.info || s.doc !== before.doc)) setPlaying(false);
});
useView.subscribe((v, before) => {
  if (playing && v.tab !== before.tab) setPlaying(false);
});
