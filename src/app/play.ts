// Play / pause: steps on by itself once each step is on screen. A guided tour leaves each caption up long
// enough to read it at the reader's pace and stops at the steps where its caption asks the reader to look.

import { stepCount, useSession } from '../state/session';
import { seek } from './actions';
import { currentTour, usePace } from './tour/current';
import { dwellMs } from './tour/tour';

/** Between steps when the scenario has no captions. */
const PLAIN_MS = 700;
/** How often to look whether the worker has put the asked-for step on screen. */
const POLL_MS = 40;

let playing = false;
let timer: ReturnType<typeof setTimeout> | null = null;
/** The step playback started from: a pause there is the one the reader just pressed Play on. */
let startedAt = -1;
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
    tick();
  }
  for (const fn of listeners) fn();
}
