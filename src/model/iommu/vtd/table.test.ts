import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { WorkBudget } from '../../budget';
import { parseProfile } from '../../profile';
import { VtdPageTable } from './table';

// Table pages of the VT-d second-level table across unmaps, against drivers/iommu/intel/iommu.c:
// intel_iommu_unmap grows the range to the level where pfn_to_dma_pte stops, domain_unmap hands it to
// dma_pte_clear_level, which clears an entry whose range the unmap covers wholly (listing the table it
// points to and every table below through dma_pte_list_pagetables) and recurses into one it covers in
// part, so a table page emptied entry by entry stays allocated. switch_to_super_page frees the tables
// under a slot that becomes a superpage.

const RW = 3;
const LEVELS = 4;
/** Pages one entry at `level` maps (level 1 = 4 KiB entries), and pages one table page at `level` covers. */
const entryPages = (level: number) => 512 ** (level - 1);
const tablePages = (level: number) => 512 ** level;
const tableKey = (level: number, iova: number) =>
  `${level}:${Math.floor(iova / tablePages(level)) * tablePages(level)}`;

const table = (superpage: 0 | 1 | 2) => new VtdPageTable(LEVELS, superpage, parseProfile('6.18'), new WorkBudget());
const inUse = (t: VtdPageTable) => t.tablesAllocated - t.tablesFreed;

/** Table pages below the root that a page-level walk passes through to reach every leaf. */
function needed(leaves: Array<{ iovaPfn: number; level: number }>): Set<string> {
  const out = new Set<string>();
  for (const l of leaves) for (let level = l.level; level < LEVELS; level++) out.add(tableKey(level, l.iovaPfn));
  return out;
}

/**
 * An independent page-level account of the same table: leaves by first page, and the table pages below
 * the root as "level:first page". A table is allocated when a leaf first needs it and freed when an
 * unmap's range covers all it covers, or a superpage takes the slot above it.
 */
class Expected {
  readonly leaves = new Map<number, { level: number; phys: number }>();
  readonly tables = new Set<string>();

  constructor(readonly superpage: 0 | 1 | 2) {}

  /** Whether any leaf maps a page of [iova, iova + n). */
  overlaps(iova: number, n: number): boolean {
    for (const [base, l] of this.leaves) if (base < iova + n && iova < base + entryPages(l.level)) return true;
    return false;
  }

  /** __domain_mapping: at each page the largest leaf both addresses are aligned to and the rest fills. */
  map(iova: number, phys: number, n: number): void {
    for (let k = 0; k < n;) {
      let level = 1 + this.superpage;
      const fits = (l: number) => (iova + k) % entryPages(l) === 0 && (phys + k) % entryPages(l) === 0;
      while (level > 1 && !(fits(level) && n - k >= entryPages(level))) level--;
      const base = iova + k;
      if (level > 1) {
        for (const key of [...this.tables]) {
          const [l, b] = key.split(':').map(Number) as [number, number];
          if (l < level && b >= base && b < base + entryPages(level)) this.tables.delete(key);
        }
      }
      for (let l = level; l < LEVELS; l++) this.tables.add(tableKey(l, base));
      this.leaves.set(base, { level, phys: phys + k });
      k += entryPages(level);
    }
  }

  /** pfn_to_dma_pte(…, &level = 0): the level of the leaf at iova, or of the first absent entry. */
  stopLevel(iova: number): number {
    let level = LEVELS;
    while (level > 1) {
      if (this.leaves.get(Math.floor(iova / entryPages(level)) * entryPages(level))?.level === level) break;
      if (!this.tables.has(tableKey(level - 1, iova))) break;
      level--;
    }
    return level;
  }

  /** The range intel_iommu_unmap hands domain_unmap, inclusive. */
  range(iova: number, n: number): [number, number] {
    return [iova, iova + Math.max(n, entryPages(this.stopLevel(iova))) - 1];
  }

  /** Whether the range cuts a superpage (dma_pte_clear_level would walk into its data page). */
  cutsSuperpage(iova: number, n: number): boolean {
    const [lo, hi] = this.range(iova, n);
    for (const [base, l] of this.leaves) {
      const end = base + entryPages(l.level) - 1;
      if (l.level > 1 && base <= hi && lo <= end && !(lo <= base && end <= hi)) return true;
    }
    return false;
  }

  unmap(iova: number, n: number): number {
    const [lo, hi] = this.range(iova, n);
    for (const [base, l] of [...this.leaves])
      if (lo <= base && base + entryPages(l.level) - 1 <= hi) this.leaves.delete(base);
    for (const key of [...this.tables]) {
      const [l, b] = key.split(':').map(Number) as [number, number];
      if (lo <= b && b + tablePages(l) - 1 <= hi) this.tables.delete(key);
    }
    return hi - lo + 1;
  }
}

function agree(t: VtdPageTable, e: Expected): void {
  expect(t.leaves().map((l) => [l.iovaPfn, l.level, Math.floor(l.value / 4096)])).toEqual(
    [...e.leaves].sort((a, b) => a[0] - b[0]).map(([base, l]) => [base, l.level, l.phys]),
  );
  expect(inUse(t)).toBe(e.tables.size);
  const level1 = [...e.tables]
    .map((k) => k.split(':').map(Number) as [number, number])
    .filter(([l]) => l === 1)
    .map(([, b]) => b)
    .sort((a, b) => a - b);
  const used = new Map<number, number>();
  for (const [base, l] of e.leaves) {
    if (l.level === 1) used.set(base - (base % 512), (used.get(base - (base % 512)) ?? 0) + 1);
  }
  expect(t.level1Tables()).toEqual(level1.map((lo) => ({ lo, hi: lo + 511, usedEntries: used.get(lo) ?? 0 })));
  // Every table a remaining leaf needs is allocated; the rest are tables emptied in part.
  const need = needed(t.leaves());
  for (const k of need) expect(e.tables.has(k), `table ${k} of a remaining leaf`).toBe(true);
}

describe('VT-d table pages through unmaps (dma_pte_clear_level, dma_pte_list_pagetables)', () => {
  it('an unmap covering a level-1 table frees it; what is left is what the remaining leaves need', () => {
    const t = table(0);
    expect(t.domainMapping(0, 0x100001, 1536, RW)).toBe(0);
    // The level-3 and level-2 tables, and one level-1 table per 2 MiB.
    expect([t.tablesAllocated, t.tablesFreed]).toEqual([5, 0]);
    expect(t.unmap(512, 512)).toBe(512);
    expect([t.tablesAllocated, t.tablesFreed]).toEqual([5, 1]);
    expect(inUse(t)).toBe(needed(t.leaves()).size);
    expect(t.level1Tables().map((x) => x.lo)).toEqual([0, 1024]);
  });

  it('a 1 GiB unmap frees the level-2 table and every level-1 table below it, keeping the level-3 table', () => {
    const t = table(0);
    expect(t.domainMapping(0x40000, 0x100001, 1024, RW)).toBe(0);
    expect(t.tablesAllocated).toBe(4);
    expect(t.unmap(0x40000, 0x40000)).toBe(0x40000);
    expect(t.tablesFreed).toBe(3);
    expect(t.leaves()).toEqual([]);
    // [1 GiB, 2 GiB) covers only part of the level-3 table's 512 GiB: it stays, empty.
    expect([inUse(t), needed(t.leaves()).size]).toEqual([1, 0]);
  });

  it('a partial unmap leaves the partly covered table allocated, even once it is empty', () => {
    const t = table(0);
    t.domainMapping(0, 0x100001, 512, RW);
    expect(t.unmap(0, 300)).toBe(300);
    expect(t.level1Tables()).toEqual([{ lo: 0, hi: 511, usedEntries: 212 }]);
    expect(t.unmap(300, 212)).toBe(212);
    expect(t.leaves()).toEqual([]);
    expect(t.level1Tables()).toEqual([{ lo: 0, hi: 511, usedEntries: 0 }]);
    expect([inUse(t), t.tablesFreed, needed(t.leaves()).size]).toEqual([3, 0, 0]);
    // An unmap of the whole 2 MiB now covers the level-2 entry: the empty table goes.
    expect(t.unmap(0, 512)).toBe(512);
    expect([t.level1Tables(), t.tablesFreed]).toEqual([[], 1]);
  });

  it('a superpage mapped over an emptied table frees it (switch_to_super_page)', () => {
    const t = table(1);
    t.domainMapping(0, 0x100001, 10, RW);
    t.unmap(0, 10);
    expect(t.level1Tables()).toEqual([{ lo: 0, hi: 511, usedEntries: 0 }]);
    expect(t.domainMapping(0, 0x100200, 512, RW)).toBe(0);
    expect(t.leafCounts()).toEqual({ '4K': 0, '2M': 1, '1G': 0 });
    expect([t.level1Tables(), t.tablesFreed, inUse(t)]).toEqual([[], 1, 2]);
  });

  it('an unmap starting at an absent entry grows to that entry: it clears leaves past the size asked', () => {
    const t = table(0);
    t.domainMapping(0, 0x100001, 10, RW);
    t.domainMapping(1024, 0x200001, 10, RW);
    // At page 600 the walk stops at the absent level-2 entry for [512, 1024): 2 MiB from 600 reaches 1111.
    expect(t.unmap(600, 1)).toBe(512);
    expect(t.leaves().map((l) => l.iovaPfn)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The level-1 table at 1024 was covered only in part: it stays.
    expect(t.level1Tables().map((x) => [x.lo, x.usedEntries])).toEqual([
      [0, 10],
      [1024, 0],
    ]);
  });

  type Step = { op: 'map'; iova: number; n: number; phys: number } | { op: 'unmap'; iova: number; n: number };
  const iova = fc.oneof(
    fc.integer({ min: 0, max: 1023 }).map((k) => k * 512),
    fc.integer({ min: 0, max: 1 }).map((k) => k * 0x40000),
    fc.integer({ min: 0, max: 0x7ffff }),
  );
  // Phys has the iova's offset in 2 MiB and 1 GiB (superpages possible) or is one page off; a 1 GiB
  // range comes aligned only, as 262,144 4 KiB leaves would be most of the test's time.
  const mapStep = (superpage: 0 | 1 | 2): fc.Arbitrary<Step> =>
    fc.oneof(
      fc.record({
        op: fc.constant('map' as const),
        iova,
        n: fc.oneof(fc.integer({ min: 1, max: 600 }), fc.constantFrom(512, 1024, 1536)),
        phys: fc.constantFrom(0x4000000, 0x4000001),
      }),
      fc.record({
        op: fc.constant('map' as const),
        iova: fc.constantFrom(0, 0x40000),
        n: fc.constant(superpage === 2 ? 0x40000 : 1536),
        phys: fc.constant(0x4000000),
      }),
    );
  const steps = (superpage: 0 | 1 | 2): fc.Arbitrary<Step[]> =>
    fc.array(
      fc.oneof(
        { weight: 3, arbitrary: mapStep(superpage) },
        {
          weight: 2,
          arbitrary: fc.record({
            op: fc.constant('unmap' as const),
            iova,
            n: fc.oneof(fc.integer({ min: 1, max: 1200 }), fc.constantFrom(512, 0x40000)),
          }),
        },
      ),
      { minLength: 1, maxLength: 25 },
    );

  test.prop([fc.constantFrom<0 | 1 | 2>(0, 1, 2).chain((sp) => fc.tuple(fc.constant(sp), steps(sp)))], {
    numRuns: 150,
  })(
    'tables in use are what the mappings needed minus what unmaps covered wholly or superpages replaced',
    ([sp, ops]) => {
      const t = table(sp);
      const e = new Expected(sp);
      for (const s of ops) {
        if (s.op === 'map') {
          // VFIO never maps over a mapping: the kernel keeps the old entry and WARNs.
          if (e.overlaps(s.iova, s.n)) continue;
          expect(t.domainMapping(s.iova, s.phys + s.iova, s.n, RW)).toBe(0);
          e.map(s.iova, s.phys + s.iova, s.n);
        } else {
          // Cutting a superpage would make dma_pte_clear_level walk its data page as a table.
          if (e.cutsSuperpage(s.iova, s.n)) continue;
          expect(t.unmap(s.iova, s.n)).toBe(e.unmap(s.iova, s.n));
        }
        agree(t, e);
      }
    },
  );
});
