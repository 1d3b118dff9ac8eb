import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  kernelFeatures,
  type KernelFeatures,
  type RefIommuGroup,
  type ReferenceType1,
} from '../../testing/reference-type1';
import {
  MAP_VADDR,
  TOP,
  UNMAP_FLAGS,
  V,
  attachOp,
  bytes,
  detachOp,
  dmaTarget,
  edgeMapStart,
  farIovaPage,
  gpu0,
  hex,
  hexPage,
  iovaPage,
  iovaTarget,
  mapDma,
  modelSim,
  oneMapping,
  prot,
  quiet,
  rangeArb,
  reference,
  resolve,
  resolveRange,
  runModel,
  sizeArb,
  stepShared,
  unmapAllOp,
  vaddrPageArb,
  worldArb,
  type SharedOp,
  type Target,
  type World,
} from '../../testing/type1-world';
import { NAMED_PROFILES } from '../profile';
import { finalState } from './final';
import { materialize } from './rows';
import type { Sim } from './sim';

/**
 * Releases compared as major.minor, for the one landmark the reference does not carry: whether
 * vfio_dma_do_unmap refuses a range that wraps past 2^64. A 5.3-era tree has the check and a 4.12 tree
 * does not; 4.15 is unknown, so wrapping UNMAP_DMA ranges are generated from 5.4 on only.
 */
const atLeast = (v: string, w: string) => {
  const [a, b] = v.split('.').map(Number) as [number, number];
  const [c, d] = w.split('.').map(Number) as [number, number];
  return a > c || (a === c && b >= d);
};
const UNMAP_WRAP_CHECK_READ = '5.4';

type Op =
  | SharedOp
  /** `shape` lays out the old form's user_pfn[]: a run, the run backwards, or each page twice. */
  | { op: 'PIN'; at: Target; npage: number; prot: number; shape: 'run' | 'reversed' | 'twice' };

/** Pages just before and after each break of EDGE, and the first pages of R1 (one chunk per page). */
const edgeVaddr = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(22, 23, 24, 25, 46, 47, 48, 49, 62, 63, 64, 65, 78, 79).map((k) => V.EDGE + k),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 5 }).map((k) => V.R1 + k) },
);
const vaddrPage = vaddrPageArb();
const size = sizeArb(0n, 0x800n, 0x1800n);

const target: fc.Arbitrary<Target> = fc.oneof(
  { weight: 4, arbitrary: dmaTarget(40) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('va' as const), vaddr: edgeVaddr }) },
  { weight: 1, arbitrary: iovaTarget },
);
const range = rangeArb(size, 3);

const mapOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      op: fc.constant('MAP' as const),
      vaddr: vaddrPage,
      iova: iovaPage,
      size,
      flags: fc.oneof({ weight: 8, arbitrary: prot }, { weight: 1, arbitrary: fc.constantFrom(0, 1 | MAP_VADDR) }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('MAP' as const), vaddr: vaddrPage, iova: farIovaPage, size, flags: prot }),
  },
  {
    // Ranges that wrap past 2^64 in iova or in vaddr.
    weight: 1,
    arbitrary: fc.oneof(
      fc.record({
        op: fc.constant('MAP' as const),
        vaddr: vaddrPage,
        iova: fc.integer({ min: 1, max: 8191 }),
        size: fc.constantFrom(2n ** 64n - 4096n, 2n ** 63n),
        flags: prot,
      }),
      fc.record({
        op: fc.constant('MAP' as const),
        vaddr: fc.constant(TOP - 1),
        iova: iovaPage,
        size: fc.constantFrom(4096n, 8192n),
        flags: prot,
      }),
    ),
  },
);

const unmapOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ op: fc.constant('UNMAP' as const), range, flags: fc.constant(0) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('UNMAP' as const),
      range,
      flags: fc.constant(UNMAP_FLAGS.VADDR),
    }),
  },
  { weight: 1, arbitrary: unmapAllOp },
  {
    // Ranges that wrap past 2^64.
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('UNMAP' as const),
      range: fc.record({
        kind: fc.constant('raw' as const),
        iova: fc.constantFrom(TOP - 16, TOP - 1),
        size: fc.constantFrom(bytes(32), 2n ** 63n),
      }),
      flags: fc.constant(0),
    }),
  },
);

const pinOp: fc.Arbitrary<Op> = fc
  .tuple(
    target,
    fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: 1, max: 6 }) },
      { weight: 1, arbitrary: fc.constantFrom(0, 513) },
    ),
    prot,
    fc.constantFrom<'run' | 'reversed' | 'twice'>('run', 'run', 'reversed', 'twice'),
  )
  .map(([at, npage, p, shape]) => ({ op: 'PIN' as const, at, npage, prot: p, shape }));
const unpinOp: fc.Arbitrary<Op> = fc
  .tuple(
    target,
    fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 1, max: 6 }) }, { weight: 1, arbitrary: fc.constant(0) }),
  )
  .map(([at, npage]) => ({ op: 'UNPIN' as const, at, npage }));
/** Mostly a whole mapping, which an earlier UNMAP_DMA with VFIO_DMA_UNMAP_FLAG_VADDR may have invalidated. */
const vaddrOp: fc.Arbitrary<Op> = fc.record({
  op: fc.constant('VADDR' as const),
  range: fc.oneof({ weight: 3, arbitrary: oneMapping }, { weight: 1, arbitrary: range }),
  vaddr: vaddrPage,
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: mapOp },
  { weight: 3, arbitrary: unmapOp },
  { weight: 3, arbitrary: pinOp },
  { weight: 2, arbitrary: unpinOp },
  { weight: 2, arbitrary: vaddrOp },
  { weight: 1, arbitrary: attachOp },
  { weight: 1, arbitrary: detachOp },
);

const world = (kernel: string) =>
  worldArb(kernel, {
    limitPages: [10, 40, 1100, 1 << 20],
    dmaEntryLimit: [2, 4, 65535],
    iommu: fc.oneof(
      fc.constant([] as RefIommuGroup[]),
      gpu0(0, 1, 2).map((g) => [g]),
    ),
  });

// ---- running one op on both ----

/**
 * Runs one op on both and compares what it returned, and for MAP_DMA how it pinned and mapped; false when
 * the sequence must stop there.
 */
function step(sim: Sim, ref: ReferenceType1, k: KernelFeatures, kernel: string, o: Op): boolean {
  switch (o.op) {
    case 'MAP': {
      const out = mapDma(sim, ref, o.flags, o.vaddr, o.iova, o.size);
      const t = ref.lastMap;
      if (t) {
        const got = materialize(out) as Record<string, unknown>;
        expect(got.pin_chunks).toEqual(
          t.pinChunks.map((c) => ({ iova: hexPage(c.iova), pfn: hex(c.pfn), npage: c.npage, reserved: c.reserved })),
        );
        expect(got.iommu_map_calls).toEqual(
          t.iommuMapCalls.map((c) => ({
            domain: c.domain,
            iova: hexPage(c.iova),
            paddr: hexPage(c.paddr),
            size: hexPage(c.npage),
          })),
        );
        expect(got.map_pages_calls).toEqual(
          t.mapPages?.map((c) => ({
            domain: c.domain,
            iova: hexPage(c.iova),
            paddr: hexPage(c.paddr),
            pgsize: hexPage(c.pgsize),
            count: c.count,
          })) ?? null,
        );
      }
      return true;
    }
    case 'UNMAP': {
      const [iova, sz] = resolveRange(ref, o.range);
      if (bytes(iova) + sz > 1n << 64n && !atLeast(kernel, UNMAP_WRAP_CHECK_READ)) return true;
      return stepShared(sim, ref, o);
    }
    case 'PIN': {
      if (sim.iommu.emulatedGroups.length === 0) return true;
      const iova = resolve(ref, o.at);
      pin(sim, ref, k, iova, o.npage, o);
      return true;
    }
    case 'UNPIN': {
      if (sim.iommu.emulatedGroups.length === 0) return true;
      const iova = resolve(ref, o.at);
      unpin(sim, ref, iova, o.npage);
      return true;
    }
    default:
      return stepShared(sim, ref, o);
  }
}

/** vfio_pin_pages in the release's form: iova and npage from 6.0, a user_pfn[] list before. */
function pin(
  sim: Sim,
  ref: ReferenceType1,
  k: KernelFeatures,
  iova: number,
  npage: number,
  o: { prot: number; shape: 'run' | 'reversed' | 'twice' },
): void {
  if (k.pinByIova) {
    const out = runModel(sim, 'PIN_PAGES', { iova: hexPage(iova), npage, prot: o.prot });
    const [ret, pfns] = ref.pin(iova, npage, o.prot);
    expect([out.ret, out.pfns]).toEqual([ret, pfns ? pfns.map(hex) : null]);
    return;
  }
  const run = Array.from({ length: npage }, (_, i) => iova + i);
  const list = o.shape === 'reversed' ? run.reverse() : o.shape === 'twice' ? run.flatMap((p) => [p, p]) : run;
  const out = runModel(sim, 'PIN_PAGES_OLD', { user_pfn: list, prot: o.prot });
  const [ret, pfns] = ref.pinList(list, o.prot);
  expect([out.ret, out.phys_pfn]).toEqual([ret, pfns ? pfns.map(hex) : null]);
}

/** vfio_unpin_pages: the old form's return value (null from 6.0) and the refcount left at iova. */
function unpin(sim: Sim, ref: ReferenceType1, iova: number, npage: number): void {
  const out = runModel(sim, 'UNPIN_PAGES', { iova: hexPage(iova), npage });
  const r = ref.unpin(iova, npage);
  expect([out.ret ?? null, out.pfn_list_ref ?? null]).toEqual([r.ret, r.ref]);
}

function runsOf(translations: Map<number, number>): number[][] {
  const out: number[][] = [];
  for (const iova of [...translations.keys()].sort((a, b) => a - b)) {
    const phys = translations.get(iova)!;
    const last = out[out.length - 1];
    if (last && last[0]! + last[2]! === iova && last[1]! + last[2]! === phys) last[2]!++;
    else out.push([iova, phys, 1]);
  }
  return out;
}

/** Agreement on every observable, and the invariants, after a step. */
function compare(sim: Sim, ref: ReferenceType1): void {
  const f = materialize(finalState(sim)) as {
    locked_vm_pages: number;
    dma_avail: number | null;
    vfio_dma: Array<{ iova: string; size: string; vaddr: string; iommu_mapped: boolean; vaddr_invalid: boolean }>;
    vaddr_invalid_count: number;
    pfn_list: Array<{ iova: string; pfn: string; ref: number }>;
    leaf_ptes: { '4K': number; '2M': number; '1G': number } | null;
    leaves?: Array<{ iova: string; level: number; value: string }>;
  };
  expect(f.locked_vm_pages).toBe(ref.lockedVm);
  expect(f.dma_avail).toBe(ref.dmaAvail);
  expect(f.vfio_dma.map((d) => [d.iova, d.size, d.vaddr, d.iommu_mapped, d.vaddr_invalid])).toEqual(
    ref.vfioDma().map((d) => [hexPage(d.iova), hexPage(d.npages), hexPage(d.vaddr), d.mapped, d.vaddrInvalid]),
  );
  expect(f.vaddr_invalid_count).toBe(ref.vaddrInvalidCount);
  expect(f.pfn_list).toEqual(ref.pfnList().map((v) => ({ iova: hexPage(v.iova), pfn: hex(v.pfn), ref: v.ref })));
  expect(f.leaf_ptes).toEqual(ref.leafCounts());
  expect(f.leaves ?? []).toEqual(
    ref.leaves().map((l) => ({ iova: hexPage(l.iova), level: l.level, value: hex(l.value) })),
  );

  // Translations compared as runs of consecutive iova pages on consecutive pfns (same content as a
  // page-by-page comparison, cheaper to diff for a 1 GiB guest).
  const got: number[][] = [];
  sim.iommu.firstDomain?.forEachLeaf(0, 2 ** 36, (iova, phys, n) => {
    const last = got[got.length - 1];
    if (last && last[0]! + last[2]! === iova && last[1]! + last[2]! === phys) last[2]! += n;
    else got.push([iova, phys, n]);
  });
  expect(got).toEqual(runsOf(ref.translations()));

  // Invariants: no overlapping vfio_dma, no negative accounting, every leaf inside some vfio_dma.
  expect(f.locked_vm_pages).toBeGreaterThanOrEqual(0);
  expect(f.dma_avail ?? 0).toBeGreaterThanOrEqual(0);
  const dmas = sim.iommu.dmaList.items;
  for (let i = 1; i < dmas.length; i++) expect(dmas[i]!.iovaPfn).toBeGreaterThanOrEqual(dmas[i - 1]!.endPfn);
  for (const d of dmas) expect(d.lockedVm).toBeGreaterThanOrEqual(0);
  for (const [iova, , n] of got) {
    for (let p = iova!; p < iova! + n!;) {
      const d = dmas.find((x) => p >= x.iovaPfn && p < x.endPfn);
      expect(d, `leaf page ${hexPage(p)} lies in no vfio_dma`).toBeDefined();
      p = d!.endPfn;
    }
  }
}

function play(w: World, ops: Op[]): void {
  const sim = modelSim(w);
  const ref = reference(w);
  const k = kernelFeatures(w.kernel);
  compare(sim, ref);
  for (const o of ops) {
    if (!step(sim, ref, k, w.kernel, o)) return;
    compare(sim, ref);
  }
}

// ---- chunk edges: external pins right next to where vfio_pin_pages_remote breaks a chunk ----

interface EdgeCase {
  world: World;
  ops: Op[];
}

/**
 * Mappings over EDGE (and R1, one chunk per page), vendor pins on the pages either side of each break,
 * then the IOMMU group: in an mdev-only container its attach replays every mapping and must not charge
 * pages already in pfn_list; a second mapping running into EDGE's missing VMA, or a low RLIMIT_MEMLOCK,
 * fails the replay after some chunks were pinned, and the unwind must uncharge exactly those. Then
 * unmaps (whole, partial, VADDR), unpins, detach (which re-charges only pfn_list) and further attaches.
 */
const edgeCase = (kernel: string): fc.Arbitrary<EdgeCase> =>
  fc
    .record({
      mixed: fc.boolean(),
      limitPages: fc.constantFrom(1 << 20, 1 << 20, 70, 40),
      disableHugepages: fc.boolean(),
      lockedVm: fc.constantFrom(0, 8),
      maps: fc.array(fc.record({ vaddr: edgeMapStart, npages: fc.integer({ min: 1, max: 96 }), prot: prot }), {
        minLength: 1,
        maxLength: 3,
      }),
      stride: fc.option(fc.integer({ min: 1, max: 64 }), { nil: undefined }),
      pins: fc.array(fc.record({ vaddr: edgeVaddr, npage: fc.integer({ min: 1, max: 3 }), prot: prot }), {
        minLength: 1,
        maxLength: 8,
      }),
      group: gpu0(0, 1, 2),
      tail: fc.array(
        fc.oneof(
          { weight: 3, arbitrary: pinOp },
          { weight: 3, arbitrary: unpinOp },
          { weight: 3, arbitrary: unmapOp },
          { weight: 1, arbitrary: vaddrOp },
          { weight: 2, arbitrary: detachOp },
          { weight: 2, arbitrary: attachOp },
        ),
        { maxLength: 10 },
      ),
    })
    .map((c) => {
      const world: World = {
        ...quiet,
        kernel,
        limitPages: c.limitPages,
        lockedVm: c.lockedVm,
        disableHugepages: c.disableHugepages,
        iommu: c.mixed ? [c.group] : [],
      };
      const ops: Op[] = c.maps.map((m, j) => ({
        op: 'MAP',
        vaddr: m.vaddr,
        iova: 0x1000 + 0x100 * j,
        size: bytes(m.npages),
        flags: m.prot,
      }));
      if (c.stride) ops.push({ op: 'MAP', vaddr: V.R1, iova: 0x2000, size: bytes(c.stride), flags: 3 });
      for (const p of c.pins) {
        ops.push({ op: 'PIN', at: { kind: 'va', vaddr: p.vaddr }, npage: p.npage, prot: p.prot, shape: 'run' });
      }
      ops.push(c.mixed ? { op: 'DETACH', pick: 0 } : { op: 'ATTACH', group: c.group });
      return { world, ops: [...ops, ...c.tail] };
    });

/** Runs per profile: ten profiles share the file's time. */
const RUNS = { random: 100, edges: 70 };

describe.each(NAMED_PROFILES)('type1 model against the naive page-by-page reference, kernel %s', (kernel) => {
  test.prop([world(kernel), fc.array(opArb, { minLength: 1, maxLength: 14 })], { numRuns: RUNS.random })(
    'agree on every return value, locked_vm, dma_avail, pfn_list, vaddr state, PTEs and translation',
    (w, ops) => play(w, ops),
  );

  test.prop([edgeCase(kernel)], { numRuns: RUNS.edges })(
    'agree where pin chunks break inside a mapping next to external pins (replay, unwind, detach, unmap)',
    (c) => play(c.world, c.ops),
  );
});

// The 1 GiB guest costs seconds per release: it runs on one release of each pin form and pgsize bitmap.
describe('type1 model against the reference on a 1 GiB guest', () => {
  it.each(['4.15', '5.15', '6.18'])('%s: 1G leaves, a second domain by replay, pins, partial unmaps', (kernel) => {
    const w: World = {
      kernel,
      firstPfn: 0x40000,
      r0Pages: 262144,
      limitPages: 1 << 20,
      capIpcLock: false,
      lockedVm: 0,
      dmaEntryLimit: 65535,
      disableHugepages: false,
      iommu: [{ id: 'gpu0', superpage: 2, snoop: false }],
      emulated: true,
    };
    const sim = modelSim(w);
    const ref = reference(w);
    const k = kernelFeatures(kernel);
    const ops: Op[] = [
      { op: 'MAP', vaddr: V.R0, iova: 0x40000, size: 1n << 30n, flags: 3 },
      { op: 'PIN', at: { kind: 'iova', page: 0x40010 }, npage: 6, prot: 3, shape: 'run' },
      { op: 'ATTACH', group: { id: 'gpu1', superpage: 1, snoop: true } },
      { op: 'MAP', vaddr: V.R0 + 1, iova: 0x100, size: 2n * 1024n * 1024n, flags: 1 },
      { op: 'UNPIN', at: { kind: 'iova', page: 0x40010 }, npage: 6 },
      { op: 'DETACH', pick: 0 },
      { op: 'UNMAP', range: { kind: 'raw', iova: 0x40000, size: 1n << 30n }, flags: 0 },
    ];
    for (const o of ops) {
      expect(step(sim, ref, k, kernel, o)).toBe(true);
      compare(sim, ref);
    }
    expect(sim.iommu.dmaList.size).toBe(1);
  });
});

// ---- disagreements this test found, now fixed in the model ----
// Each case is the minimal sequence on which the model and the reference once parted.

describe('sequences on which the model once parted from the kernel', () => {
  // vfio_iommu_replay before aae7a75a821a (5.9) returns at the first error: the chunks it pinned stay
  // charged and the vfio_dmas it finished stay iommu_mapped (the model used to unwind on every profile).
  it.each(['4.10', '4.15', '5.4'])('%s: a replay that fails part-way keeps its pins charged', (kernel) => {
    const w: World = { ...quiet, kernel, iommu: [] };
    const [sim, ref] = [modelSim(w), reference(w)];
    const k = kernelFeatures(kernel);
    step(sim, ref, k, kernel, { op: 'MAP', vaddr: V.EDGE, iova: 0x1000, size: bytes(24), flags: 3 });
    step(sim, ref, k, kernel, { op: 'MAP', vaddr: V.EDGE + 70, iova: 0x2000, size: bytes(16), flags: 3 });
    // Both return -EFAULT at EDGE's missing VMA; the reference then holds 34 pages charged.
    step(sim, ref, k, kernel, { op: 'ATTACH', group: { id: 'gpu0', superpage: 2, snoop: false } });
    expect(sim.mm.lockedVm).toBe(34);
    compare(sim, ref);
  });

  // vfio_iommu_type1_pin_pages from 6.0 to 6.17 computes user_iova + PAGE_SIZE * i in a u64: past 2^64
  // it wraps to iova 0 (the model used to look the unwrapped page up and fail).
  it.each(['6.0', '6.15'])('%s: vfio_pin_pages past the top of the iova space wraps to iova 0', (kernel) => {
    const w: World = { ...quiet, kernel, iommu: [] };
    const [sim, ref] = [modelSim(w), reference(w)];
    const k = kernelFeatures(kernel);
    step(sim, ref, k, kernel, { op: 'MAP', vaddr: V.R0, iova: 0, size: bytes(16), flags: 3 });
    step(sim, ref, k, kernel, { op: 'MAP', vaddr: V.R0 + 16, iova: TOP - 2, size: bytes(2), flags: 3 });
    pin(sim, ref, k, TOP - 2, 4, { prot: 3, shape: 'run' });
  });

  // 6.18's vfio_iommu_type1_unpin_pages WARNs and returns when iova + npage pages overflows; the model
  // has the matching check for pins only and unpins the pages below 2^64.
  it('6.18: vfio_unpin_pages past the top of the iova space unpins nothing', () => {
    const w: World = { ...quiet, kernel: '6.18', iommu: [] };
    const [sim, ref] = [modelSim(w), reference(w)];
    const k = kernelFeatures('6.18');
    step(sim, ref, k, '6.18', { op: 'MAP', vaddr: V.R0, iova: TOP - 2, size: bytes(2), flags: 3 });
    pin(sim, ref, k, TOP - 2, 2, { prot: 3, shape: 'run' });
    unpin(sim, ref, TOP - 2, 4);
    compare(sim, ref);
  });
});
