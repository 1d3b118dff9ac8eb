import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { WorkBudget } from '../budget';
import { orderBase2 } from '../lib/bits';
import { parseProfile } from '../profile';
import { describeIovad, IovaDomain } from './iova';

const START = 0xfff00;
const domainFor = (kernel: string, start = START) =>
  new IovaDomain(4096, start, parseProfile(kernel), 1, new WorkBudget());

const nodes = (d: IovaDomain) => [...d.tree.inOrder()].filter((n) => n !== d.anchor);

/** Naive: is there any size-long range in [start, limit] aligned as alloc_iova would align it, and free? */
function anyFreeSlot(d: IovaDomain, size: number, limit: number, aligned: boolean): boolean {
  const align = aligned ? 2 ** orderBase2(size) : 1;
  const taken = nodes(d);
  for (let lo = Math.ceil(START / align) * align; lo + size - 1 <= limit; lo += align) {
    if (taken.every((n) => n.hi < lo || n.lo > lo + size - 1)) return true;
  }
  return false;
}

const op = fc.oneof(
  fc.record({
    kind: fc.constant('alloc' as const),
    size: fc.integer({ min: 1, max: 24 }),
    limit: fc.integer({ min: START + 8, max: 0xfffff }),
    aligned: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('fast' as const), size: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('freeFast' as const), pick: fc.nat() }),
);

describe('alloc_iova (≥5.11: first pass below the cached node, retry pass above it)', () => {
  test.prop([fc.array(op, { maxLength: 60 })], { numRuns: 300 })(
    'never overlaps, stays in range, aligns, and fails only when nothing fits',
    (ops) => {
      const d = domainFor('6.18');
      const live: Array<{ pfn: number; size: number }> = [];
      for (const o of ops) {
        if (o.kind === 'alloc') {
          const fits = anyFreeSlot(d, o.size, o.limit, o.aligned);
          // The max32_alloc_size heuristic: after a failure below 4 GiB, requests at least that large fail
          // at once until something below 4 GiB is freed, even where a slot would now fit.
          const fastFail = o.limit + 1 <= d.dma32bitPfn && o.size >= d.max32AllocSize;
          const n = d.allocIova(o.size, o.limit, o.aligned);
          // The step's reason says which of the two failures it was.
          expect(d.fastFailed).toBe(!n && fastFail);
          if (!n) {
            if (!fastFail) expect(fits).toBe(false);
            continue;
          }
          expect(fastFail).toBe(false);
          expect(n.lo).toBeGreaterThanOrEqual(START);
          expect(n.hi).toBeLessThanOrEqual(o.limit);
          expect(n.hi - n.lo + 1).toBe(o.size);
          if (o.aligned) expect(n.lo % 2 ** orderBase2(o.size)).toBe(0);
          live.push({ pfn: n.lo, size: o.size });
        } else if (o.kind === 'fast') {
          const r = d.allocIovaFast(o.size, 0xfffff, true);
          if (r.pfn) live.push({ pfn: r.pfn, size: o.size });
        } else if (live.length > 0) {
          const [victim] = live.splice(o.pick % live.length, 1);
          if (o.kind === 'free') d.freeIova(victim!.pfn);
          else d.freeIovaFast(victim!.pfn, victim!.size);
        }
        const all = nodes(d);
        for (let i = 1; i < all.length; i++) expect(all[i]!.lo).toBeGreaterThan(all[i - 1]!.hi);
        const desc = describeIovad(d);
        for (const c of [desc.cachedNode, desc.cached32Node]) {
          if (c !== 'anchor') expect(all.some((n) => n.lo === c![0])).toBe(true);
        }
      }
    },
  );
});

describe('iova.c details', () => {
  it('packs downwards from the cached node (IOVA-01)', () => {
    const d = domainFor('6.18', 1);
    const got = [1, 1, 4, 3, 5].map((s) => d.allocIova(s, 0xfffff, true)!.lo);
    expect(got).toEqual([0xfffff, 0xffffe, 0xffff8, 0xffff4, 0xfffe8]);
  });

  it('the old (<4.15) walk gives the same simple ranges and keeps no anchor', () => {
    const d = domainFor('4.10', 1);
    const got = [1, 1, 4, 3, 5].map((s) => d.allocIova(s, 0xfffff, true)!.lo);
    expect(got).toEqual([0xfffff, 0xffffe, 0xffff8, 0xffff4, 0xfffe8]);
    expect(describeIovad(d).tree.includes('anchor')).toBe(false);
  });

  it('a full magazine swaps with prev, then goes to the depot; the depot refills an empty CPU cache', () => {
    const d = domainFor('6.18', 1);
    const pfns: number[] = [];
    for (let i = 0; i < 127 * 2 + 1; i++) pfns.push(d.allocIovaFast(1, 0xfffff, true).pfn);
    for (const p of pfns) expect(d.freeIovaFast(p, 1)).toBe(true);
    const rc = d.rcaches[0]!;
    expect([rc.cpu[0]!.loaded.length, rc.cpu[0]!.prev.length, rc.depot.length]).toEqual([128 - 127, 127, 1]);
    rc.cpu[0]!.loaded.length = 0;
    rc.cpu[0]!.prev.length = 0;
    expect(d.allocIovaFast(1, 0xfffff, true).from).toBe('depot');
  });

  it('before the depot list a full depot of 32 magazines sends the evicted ranges back to the tree', () => {
    const d = domainFor('5.10', 1);
    const n = 128 * 35;
    const pfns = Array.from({ length: n }, () => d.allocIovaFast(1, 0xfffff, true).pfn);
    pfns.forEach((p) => d.freeIovaFast(p, 1));
    const rc = d.rcaches[0]!;
    expect(rc.depot.length).toBe(32);
    const cachedCount = rc.depot.length * 128 + rc.cpu[0]!.loaded.length + rc.cpu[0]!.prev.length;
    expect(nodes(d).length).toBe(cachedCount);
  });
});
