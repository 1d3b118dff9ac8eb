// A guided tour is a scenario whose case carries a caption for the environment as built and one per
// step: read here from the document the page holds (captions are commentary, the model never sees them).

export interface Tour {
  /** captions[0] is for the environment as built; captions[k] for the state after step k. */
  captions: string[];
  /** pauses[k]: playback stops once step k is on screen, for the reader to look. */
  pauses: boolean[];
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The tour in one case of a scenario, or null when that case has no captions at all. */
export function tourOf(doc: unknown, caseId: string | null): Tour | null {
  const cases = (doc as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) return null;
  const c = (cases as unknown[]).find((x) => (x as { id?: unknown } | null)?.id === caseId) ?? cases[0];
  if (!c || typeof c !== 'object') return null;
  const steps = Array.isArray((c as { steps?: unknown }).steps) ? (c as { steps: unknown[] }).steps : [];
  const captions = [text((c as { caption?: unknown }).caption)];
  const pauses = [false];
  for (const s of steps) {
    captions.push(text((s as { caption?: unknown } | null)?.caption));
    pauses.push((s as { pause?: unknown } | null)?.pause === true);
  }
  return captions.some((t) => t !== '') ? { captions, pauses } : null;
}

/** How long playback leaves a caption on screen: enough to read it (about 4 words a second), at least 2 s. */
export function dwellMs(caption: string, pace: number): number {
  const words = caption.split(/\s+/).filter(Boolean).length;
  return Math.max(2000, (words / 4) * 1000) / pace;
}
