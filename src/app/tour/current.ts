// The tour of the case on screen, if it has one, and the pace the reader chose for playing it.

import { create } from 'zustand';
import { useSession, type SessionState } from '../../state/session';
import { tourOf, type Tour } from './tour';

export const PACES = [0.5, 1, 2, 4] as const;

export const usePace = create<{ pace: number; set(pace: number): void }>()((set) => ({
  pace: 1,
  set: (pace) => set({ pace }),
}));

// A 10,000-step scenario would be walked on every read otherwise.
const memo = new WeakMap<object, Map<string | null, Tour | null>>();

function tourFor(doc: unknown, caseId: string | null): Tour | null {
  if (doc === null || typeof doc !== 'object') return null;
  let byCase = memo.get(doc);
  if (!byCase) memo.set(doc, (byCase = new Map()));
  if (!byCase.has(caseId)) byCase.set(caseId, tourOf(doc, caseId));
  return byCase.get(caseId) ?? null;
}

export const tourSelector = (s: SessionState): Tour | null => tourFor(s.doc, s.info?.caseId ?? null);

export const currentTour = (): Tour | null => tourSelector(useSession.getState());
