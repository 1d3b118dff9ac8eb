import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { applyPatch, applyPatchInPlace, touchingCuts, type TablePatch } from './table-patch';
import type { Table } from './table';

type T = Table<'a' | 'b'>;

const table = (a: number[], b: number[], room = a.length): T => {
  const x = new Float64Array(room);
  const y = new Float64Array(room);
  x.set(a);
  y.set(b);
  return { length: a.length, cols: { a: x.subarray(0, a.length), b: y.subarray(0, a.length) } };
};
const plain = (t: T) => ({ a: [...t.cols.a], b: [...t.cols.b] });

/** A random table, a random patch for it, and what splicing plain arrays gives. */
const world = fc
  .record({
    // Past 64 rows a block moves by copyWithin and set, below it in a loop: both are reached.
    rows: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 100, max: 400 })),
    cuts: fc.array(
      fc.tuple(
        fc.nat(),
        fc.integer({ min: 0, max: 90 }),
        fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 60, max: 120 })),
      ),
      { maxLength: 8 },
    ),
    room: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 200, max: 600 })),
  })
  .map(({ rows, cuts, room }) => {
    const a = Array.from({ length: rows }, (_, i) => i);
    const b = a.map((i) => 1000 + i);
    // Sorted, disjoint [from, to) cuts inside the rows, each with some new rows.
    const flat: number[] = [];
    const counts: number[] = [];
    let next = 0;
    for (const [at, len, add] of [...cuts].sort((x, y) => x[0] - y[0])) {
      const from = Math.max(next, rows === 0 ? 0 : at % (rows + 1));
      const to = Math.min(rows, from + len);
      if (from > rows) break;
      flat.push(from, to);
      counts.push(add);
      next = to + 1;
    }
    const at = [0];
    for (const c of counts) at.push(at.at(-1)! + c);
    const total = at.at(-1)!;
    const newA = Array.from({ length: total }, (_, i) => -1 - i);
    const patch: TablePatch<'a' | 'b'> = {
      baseLength: rows,
      cuts: Float64Array.from(flat),
      at: Float64Array.from(at),
      rows: { length: total, cols: { a: Float64Array.from(newA), b: Float64Array.from(newA, (v) => v - 1000) } },
    };
    const ea: number[] = [];
    let from = 0;
    for (let c = 0; c < flat.length; c += 2) {
      ea.push(...a.slice(from, flat[c]!), ...newA.slice(at[c / 2]!, at[c / 2 + 1]!));
      from = flat[c + 1]!;
    }
    ea.push(...a.slice(from));
    // Column b is column a shifted, in the old rows and the new ones alike.
    const eb = ea.map((v) => (v >= 0 ? v + 1000 : v - 1000));
    return { base: table(a, b, rows + room), patch, expected: { a: ea, b: eb } };
  });

describe('table patches', () => {
  test.prop([world], { numRuns: 500 })(
    'applyPatch splices the new rows in at the cuts',
    ({ base, patch, expected }) => {
      expect(plain(applyPatch(base, patch))).toEqual(expected);
    },
  );

  test.prop([world], { numRuns: 500 })(
    'applyPatchInPlace gives the same, in the same buffers when they have room',
    ({ base, patch, expected }) => {
      const buffer = base.cols.a.buffer;
      const fits = buffer.byteLength / 8 >= expected.a.length;
      const t = applyPatchInPlace(base, patch);
      expect(plain(t)).toEqual(expected);
      expect(t.cols.a.buffer === buffer).toBe(fits);
    },
  );

  it('moves blocks that shift right past the rows after them without overwriting those rows first', () => {
    // 20 rows in a buffer with room for 40; five rows go in at row 2, row 5 goes, row 9 goes.
    const rows = Array.from({ length: 20 }, (_, i) => i);
    const base = table(rows, rows, 40);
    const patch: TablePatch<'a' | 'b'> = {
      baseLength: 20,
      cuts: Float64Array.from([2, 2, 5, 6, 9, 10]),
      at: Float64Array.from([0, 5, 5, 5]),
      rows: { length: 5, cols: { a: Float64Array.from([100, 101, 102, 103, 104]), b: new Float64Array(5) } },
    };
    const expected = [0, 1, 100, 101, 102, 103, 104, 2, 3, 4, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const t = applyPatchInPlace(base, patch);
    expect(t.cols.a.buffer).toBe(base.cols.a.buffer);
    expect([...t.cols.a]).toEqual(expected);
  });

  it('refuses a patch made for a table of another length', () => {
    const patch = { baseLength: 2, cuts: new Float64Array(0), at: new Float64Array(1), rows: table([], []) };
    expect(() => applyPatch(table([1], [1]), patch)).toThrow(/for 2 rows cannot apply to 1/);
    expect(() => applyPatchInPlace(table([1], [1]), patch)).toThrow(/for 2 rows cannot apply to 1/);
  });

  it('touchingCuts takes the runs that touch each range, merged', () => {
    // Runs [0,2) [2,3) [5,8) [9,10); ranges [3,5) and [8,9).
    const start = [0, 2, 5, 9];
    const pages = [2, 1, 3, 1];
    expect(touchingCuts(start, pages, 4, [3, 5, 8, 9], 2)).toEqual({ cuts: [1, 4], first: [0, 2] });
    // A range in a gap that touches nothing: an empty cut where rows would go in.
    expect(touchingCuts([0, 10], [1, 1], 2, [4, 6], 2)).toEqual({ cuts: [1, 1], first: [0, 1] });
  });
});
