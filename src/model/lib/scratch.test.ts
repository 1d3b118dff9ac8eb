import { describe, expect, it } from 'vitest';
import { giveF64, keptCopy, scratchBytes, takeF64 } from './scratch';
import { giveTablesBack } from './table';

describe('scratch arrays', () => {
  it('hands a given-back array to the next taker that fits, and only once', () => {
    const a = takeF64(4096);
    giveF64(a);
    giveF64(a);
    const before = scratchBytes();
    const b = takeF64(3000);
    expect(b).toBe(a);
    expect(scratchBytes()).toBe(before - a.byteLength);
    expect(takeF64(3000)).not.toBe(a);
  });

  it('does not hand out an array far longer than asked for, nor keep views and small arrays', () => {
    const big = new Float64Array(1 << 16);
    giveF64(big);
    expect(takeF64(100)).not.toBe(big);
    expect(takeF64(1 << 16, (1 << 16) + 10)).toBe(big);
    const before = scratchBytes();
    giveF64(new Float64Array(1 << 14).subarray(0, 100));
    giveF64(new Float64Array(16));
    expect(scratchBytes()).toBe(before);
  });

  it('keptCopy copies the first n elements into an array of its own', () => {
    const src = Float64Array.from({ length: 5000 }, (_, i) => i * 3);
    const spare = new Float64Array(4096);
    spare.fill(-1);
    giveF64(spare);
    const c = keptCopy(src, 4000);
    expect(c.length).toBe(4000);
    expect(c.buffer).toBe(spare.buffer);
    expect(Array.from(c.subarray(0, 3))).toEqual([0, 3, 6]);
    expect(c[3999]).toBe(3999 * 3);
  });

  it('gives back the columns of old tables unless the kept state still uses their buffers', () => {
    const shared = new Float64Array(2048);
    const gone = new Float64Array(2048);
    const before = scratchBytes();
    giveTablesBack([{ cols: { a: shared, b: gone } }], { runs: { cols: { a: shared.subarray(0, 10) } } });
    expect(scratchBytes()).toBe(before + gone.byteLength);
    expect(takeF64(2048, 2048).buffer).toBe(gone.buffer);
  });
});
