import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ReferenceIova, type RefRange } from '../../testing/reference-iova';
import { BudgetExceeded, WorkBudget } from '../budget';
import type { RbNode } from '../lib/rbtree';
import { parseProfile } from '../profile';
import { IovaDomain } from './iova';

/** dma_32bit_pfn for a 4 KiB granule: the first pfn at 4 GiB. */
const DMA32 = 0x100000;
const TOP = 2 ** 36 - 1;
const MSI = [0xfee00, 0xfeeff] as const;

// The landmarks come from the kernel's history (5.1 max32_alloc_size, 5.11 retry pass), not from the
// model's profile predicates, so that a wrong predicate shows up as a disagreement.
const landmarks = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kernel: '6.18', max32FastFail: true, retryPass: true, retryWraps: false }) },
  { weight: 2, arbitrary: fc.constant({ kernel: '5.15', max32FastFail: true, retryPass: true, retryWraps: true }) },
  { weight: 1, arbitrary: fc.constant({ kernel: '5.10', max32FastFail: true, retryPass: false, retryWraps: false }) },
  { weight: 1, arbitrary: fc.constant({ kernel: '4.15', max32FastFail: false, retryPass: false, retryWraps: false }) },
);

// A start just below 4 GiB leaves a 32-bit space small enough to fill, so that fast fails and retry
// passes happen within a few dozen operations; start_pfn 1 is what dma-iommu uses.
const startPfn = fc.oneof(
  fc.constantFrom(0, 1),
  { weight: 2, arbitrary: fc.constant(0xfff00) },
  fc.integer({ min: 0xffe00, max: 0xfff00 }),
);

// Repeated sizes matter: max32_alloc_size fails a request as large as an earlier failed one.
const size = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(1, 2, 3, 4, 8, 16) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 16 }) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom(0x1000, 0x40000, 0x80000, 0xfffff, DMA32) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 24 }) },
);

const limitPfn = fc.oneof(
  { weight: 3, arbitrary: fc.constant(DMA32 - 1) },
  // Lower 32-bit limits leave free space above cached32_node for the retry pass to find.
  { weight: 2, arbitrary: fc.integer({ min: 0xfff00, max: DMA32 - 1 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: DMA32 - 1 }) },
  // limit_pfn == dma_32bit_pfn takes cached_node, yet the range can end right at 4 GiB.
  { weight: 2, arbitrary: fc.integer({ min: DMA32, max: DMA32 + 0x400 }) },
  { weight: 1, arbitrary: fc.constant(DMA32) },
  { weight: 2, arbitrary: fc.constant(TOP) },
  { weight: 1, arbitrary: fc.integer({ min: DMA32, max: TOP }) },
);

const pfn = fc.oneof(fc.integer({ min: 0, max: DMA32 + 0x1000 }), fc.constantFrom(MSI[0], DMA32 - 1, DMA32, TOP));

const op = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('alloc' as const), size, limitPfn, aligned: fc.boolean() }) },
  // Asks for the length of a free hole (give or take one), chosen when the op runs: exact fits test the
  // walk's bounds, and a hole just above the cached node is what the retry pass exists for.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('allocFit' as const),
      pick: fc.nat(),
      above: fc.constantFrom('any hole' as const, 'cached32' as const, 'cached' as const),
      delta: fc.constantFrom(0, 0, -1, 1),
      limitPfn: fc.oneof({ weight: 2, arbitrary: fc.constantFrom(DMA32 - 1, TOP) }, limitPfn),
      aligned: fc.boolean(),
    }),
  },
  // Frees a pfn somewhere inside an existing range (allocated or reserved), chosen when the op runs.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('freeHeld' as const), pick: fc.nat(), offset: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('freePfn' as const), pfn }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      window: fc.oneof(
        fc.constant(MSI),
        fc.constant([DMA32 - 0x80, DMA32 + 0x7f] as const),
        fc.constant([TOP - 0xfff, TOP - 0x800] as const),
        fc
          .tuple(fc.integer({ min: 0, max: DMA32 + 0x1000 }), fc.integer({ min: 1, max: 256 }))
          .map(([lo, n]) => [lo, lo + n - 1] as const),
      ),
    }),
  },
  // Overlaps an existing range from just below, so reserve_iova stretches it (or merges several).
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reserveOver' as const),
      pick: fc.nat(),
      below: fc.integer({ min: 0, max: 8 }),
      len: fc.integer({ min: 1, max: 64 }),
    }),
  },
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

const range = (n: RbNode): RefRange => ({ lo: n.lo, hi: n.hi });

function modelView(d: IovaDomain) {
  const cached = (n: RbNode | null) => (n === d.anchor ? 'anchor' : range(n!));
  return {
    ranges: [...d.tree.inOrder()].filter((n) => n !== d.anchor).map(range),
    cached: cached(d.cachedNode),
    cached32: cached(d.cached32Node),
    max32AllocSize: d.max32AllocSize,
  };
}

function refView(r: ReferenceIova) {
  return {
    ranges: r.ranges.map((x) => ({ ...x })),
    cached: r.cachedRange(r.cached),
    cached32: r.cachedRange(r.cached32),
    max32AllocSize: r.max32AllocSize,
  };
}

/** The free holes from start_pfn up, the last one ending at 4 GiB or at the top of the 36-bit space. */
function holes(r: ReferenceIova, start: number): RefRange[] {
  const found: RefRange[] = [];
  let lo = start;
  for (const x of r.ranges) {
    if (x.lo > lo) found.push({ lo, hi: x.lo - 1 });
    lo = Math.max(lo, x.hi + 1);
  }
  found.push({ lo, hi: lo < DMA32 ? DMA32 - 1 : TOP });
  return found;
}

function fitSize(o: Extract<Op, { kind: 'allocFit' }>, r: ReferenceIova, start: number): number {
  const all = holes(r, start);
  const c = o.above === 'any hole' ? 'anchor' : r.cachedRange(o.above === 'cached' ? r.cached : r.cached32);
  const hole = (c !== 'anchor' && all.find((h) => h.lo === c.hi + 1)) || all[o.pick % all.length]!;
  return Math.max(1, hole.hi - hole.lo + 1 + o.delta);
}

type Returned = RefRange | null | undefined | 'spins';

/** Runs one op on both; returns what each returned (a range, null, or undefined for free_iova). */
function apply(o: Op, d: IovaDomain, r: ReferenceIova): [Returned, Returned] {
  const held = (pick: number) => r.ranges[pick % r.ranges.length];
  const free = (pfn: number): [Returned, Returned] => {
    d.freeIova(pfn);
    r.free(pfn);
    return [undefined, undefined];
  };
  const reserve = (lo: number, hi: number): [Returned, Returned] => {
    const n = d.reserveIova(lo, hi);
    return [n && range(n), r.reserve(lo, hi)];
  };
  switch (o.kind) {
    case 'alloc':
    case 'allocFit': {
      const size = o.kind === 'alloc' ? o.size : fitSize(o, r, d.startPfn);
      const want = r.alloc(size, o.limitPfn, o.aligned);
      if (want === 'spins') {
        // The model does the kernel's endless loop until its work budget stops it.
        expect(() => d.allocIova(size, o.limitPfn, o.aligned)).toThrow(BudgetExceeded);
        return ['spins', want];
      }
      const n = d.allocIova(size, o.limitPfn, o.aligned);
      return [n && range(n), want];
    }
    case 'freeHeld': {
      const h = held(o.pick);
      return free(h ? h.lo + (o.offset % (h.hi - h.lo + 1)) : o.offset);
    }
    case 'freePfn':
      return free(o.pfn);
    case 'reserve':
      return reserve(o.window[0], o.window[1]);
    case 'reserveOver': {
      // With nothing held yet, the MSI window stands in.
      const lo = Math.max(0, (held(o.pick)?.lo ?? MSI[0]) - o.below);
      return reserve(lo, lo + o.len - 1);
    }
  }
}

describe('IovaDomain against the plain-array reference of iova.c', () => {
  test.prop([landmarks, startPfn, fc.array(op, { maxLength: 40, size: 'max' })], { numRuns: 300 })(
    'alloc_iova, free_iova and reserve_iova agree on results, ranges, cached nodes and max32_alloc_size',
    (lm, start, ops) => {
      const d = new IovaDomain(4096, start, parseProfile(lm.kernel), 1, new WorkBudget(1 << 16));
      const r = new ReferenceIova({ startPfn: start, dma32Pfn: DMA32, ...lm });
      expect(modelView(d)).toEqual(refView(r));
      for (const o of ops) {
        const [got, want] = apply(o, d, r);
        expect(got).toEqual(want);
        if (want === 'spins') return;
        expect(modelView(d)).toEqual(refView(r));
        // A cached pointer must name a node still in the tree: the kernel would walk freed memory.
        for (const c of [d.cachedNode, d.cached32Node]) {
          if (c !== d.anchor) expect(d.tree.find(c!.lo)).toBe(c);
        }
      }
    },
  );
});
