import { describe, expect, it } from 'vitest';
import { clonedBytes } from './protocol';

describe('clonedBytes', () => {
  it('counts what a structured clone copies and leaves out what is moved', () => {
    const moved = new Float64Array(1000);
    const copied = new Float64Array(10);
    const v = { a: moved, b: copied, s: 'abcd', n: 1, list: [1, 2] };
    const out = clonedBytes(v, new Set([moved.buffer]));
    expect(out).toBe(16 + 2 + 0 + 2 + 80 + 2 + 8 + 2 + 8 + 8 + (16 + 8 + 8));
  });
});
