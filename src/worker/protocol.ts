// What crosses between the worker and the page, and what it costs: every session reply travels in an
// envelope whose typed arrays are moved (the transfer list), and which counts the bytes that would be
// copied (structured clone) besides them. The page records that count for every message, so a view that
// starts sending half a million objects instead of five arrays is seen, not guessed.

import { transfer } from 'comlink';
import { buffersOf } from '../model/lib/table';

/** Step summaries the page asks for at once: a hundred with their narration came near the 100 KiB a message may copy. */
export const SUMMARY_PAGE = 50;

export interface Envelope<T> {
  value: T;
  /** Bytes structured clone copies (everything outside the transfer list), estimated as the clone walks. */
  cloned: number;
}

/** Bytes a structured clone of v copies, not counting the ArrayBuffers in `moved`. */
export function clonedBytes(v: unknown, moved: ReadonlySet<ArrayBuffer>): number {
  if (v === null || v === undefined) return 1;
  switch (typeof v) {
    case 'number':
    case 'boolean':
      return 8;
    case 'bigint':
      return 16;
    case 'string':
      return 2 * v.length;
    case 'object':
      if (ArrayBuffer.isView(v)) return moved.has(v.buffer as ArrayBuffer) ? 0 : v.byteLength;
      if (Array.isArray(v)) return v.reduce((a: number, x) => a + clonedBytes(x, moved), 16);
      return Object.entries(v).reduce((a, [k, x]) => a + 2 * k.length + clonedBytes(x, moved), 16);
    default:
      return 0;
  }
}

/** The reply to send: its typed arrays moved, the rest measured. */
export function envelope<T>(value: T): Envelope<T> {
  const buffers = buffersOf(value);
  return transfer({ value, cloned: clonedBytes(value, new Set(buffers)) }, buffers);
}
