import { fc, test } from '@fast-check/vitest';
import { expect, it } from 'vitest';
import { ADDED, CHANGED, REMOVED, diffSegments, union, type Ranges, type Segments } from './diff';

/** Sorted runs that do not overlap, each with a value, from gaps, lengths and values. */
const segments = fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 2 })), {
  maxLength: 12,
});
const build = (xs: Array<[number, number, number]>): Segments => {
  const start: number[] = [];
  const pages: number[] = [];
  const vals: number[] = [];
  let at = 0;
  for (const [gap, len, v] of xs) {
    start.push(at + gap);
    pages.push(len);
    vals.push(v);
    at += gap + len;
  }
  const f = (a: number[]) => Float64Array.from(a);
  return { length: start.length, start: f(start), pages: f(pages), vals: [f(vals)] };
};
const pagesOf = (s: Segments) => {
  const m = new Map<number, number>();
  for (let i = 0; i < s.length; i++) for (let k = 0; k < s.pages[i]!; k++) m.set(s.start[i]! + k, s.vals[0]![i]!);
  return m;
};
const expand = (r: Ranges) => {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < r.length; i++)
    for (let k = 0; k < r.cols.pages[i]!; k++) out.push([r.cols.lo[i]! + k, r.cols.kind[i]!]);
  return out;
};

test.prop([segments, segments], { numRuns: 400 })(
  'diffSegments says, page by page, what was added, removed and changed, in maximal ranges',
  (x, y) => {
    const a = build(x);
    const b = build(y);
    const pa = pagesOf(a);
    const pb = pagesOf(b);
    const expected: Array<[number, number]> = [];
    for (const p of [...new Set([...pa.keys(), ...pb.keys()])].sort((m, n) => m - n)) {
      if (!pb.has(p)) expected.push([p, REMOVED]);
      else if (!pa.has(p)) expected.push([p, ADDED]);
      else if (pa.get(p) !== pb.get(p)) expected.push([p, CHANGED]);
    }
    const d = diffSegments(a, b);
    expect(expand(d)).toEqual(expected);
    for (let i = 1; i < d.length; i++) {
      const touching = d.cols.lo[i - 1]! + d.cols.pages[i - 1]! === d.cols.lo[i];
      expect(touching && d.cols.kind[i - 1] === d.cols.kind[i], 'ranges are maximal').toBe(false);
    }
  },
);

it("with nothing on one side, the other side's ranges as one kind, overlapping ones merged", () => {
  const none: Segments = { length: 0, start: new Float64Array(0), pages: new Float64Array(0), vals: [] };
  const some: Segments = {
    length: 3,
    start: Float64Array.from([0, 2, 10]),
    pages: Float64Array.from([4, 1, 2]),
    vals: [],
  };
  expect(expand(diffSegments(none, some)).map(([, k]) => k)).toEqual(new Array(6).fill(ADDED));
  const removed = diffSegments(some, none);
  expect([...removed.cols.lo, ...removed.cols.pages]).toEqual([0, 10, 4, 2]);
});

/** Maximal ranges of one kind each (kind 0: nothing there), from the kind of every page. */
const rangesOf = (kinds: number[]): Ranges => {
  const lo: number[] = [];
  const pages: number[] = [];
  const kind: number[] = [];
  kinds.forEach((k, p) => {
    if (k === 0) return;
    const n = lo.length - 1;
    if (n >= 0 && kind[n] === k && lo[n]! + pages[n]! === p) pages[n]!++;
    else {
      lo.push(p);
      pages.push(1);
      kind.push(k);
    }
  });
  const f = (a: number[]) => Float64Array.from(a);
  return { length: lo.length, cols: { lo: f(lo), pages: f(pages), kind: f(kind) } };
};

test.prop(
  [
    fc.array(fc.array(fc.nat(3), { minLength: 40, maxLength: 40 }), { minLength: 1, maxLength: 4 }),
    fc.nat(4),
    fc.boolean(),
  ],
  { numRuns: 400 },
)(
  'union of several maps says, page by page, the one kind that covers it, or changed where kinds differ',
  (some, again, other) => {
    // Some maps given twice (a vfio_dma and its PTEs changed over the same ranges), and maybe one over the
    // first map's ranges with other kinds.
    const recoloured = some[0]!.map((k) => (k === 0 ? 0 : (k % 3) + 1));
    const maps = [...some, ...some.slice(0, again), ...(other ? [recoloured] : [])];
    const expected = Array.from({ length: 40 }, (_, p) => {
      const kinds = new Set(maps.map((m) => m[p]!).filter((k) => k !== 0));
      return kinds.size === 0 ? 0 : kinds.size > 1 ? CHANGED : [...kinds][0]!;
    });
    const got = union(...maps.map(rangesOf));
    expect(expand(got)).toEqual(expand(rangesOf(expected)));
    // Maximal: neighbours that touch differ in kind.
    for (let i = 1; i < got.length; i++)
      expect(
        got.cols.lo[i - 1]! + got.cols.pages[i - 1]! === got.cols.lo[i] && got.cols.kind[i - 1] === got.cols.kind[i],
      ).toBe(false);
  },
);
