import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { ReferenceType1, type RefEnv, type RefIommuGroup, type RefRegion } from '../../testing/reference-type1';
import { parseProfile } from '../profile';
import { environment } from '../scenario/schema';
import { buildSim } from './env';
import { finalState } from './final';
import { materialize } from './rows';
import { runOp } from './ops';
import type { Sim } from './sim';

// ---- the small world both models run in ----

const V = { R0: 0x7f0000000, R1: 0x7f1000000, BAR: 0x7f2000000, HOLE: 0x7f3000000 };
const hex = (n: number) => '0x' + n.toString(16);

interface World {
  firstPfn: number;
  r0Pages: number;
  limitPages: number;
  capIpcLock: boolean;
  lockedVm: number;
  dmaEntryLimit: number;
  disableHugepages: boolean;
  iommu: RefIommuGroup[];
  emulated: boolean;
}

function regions(w: World): RefRegion[] {
  return [
    { vaddrPage: V.R0, npages: w.r0Pages, backing: 'ram', layout: 'contiguous', firstPfn: w.firstPfn, stride: 1 },
    { vaddrPage: V.R1, npages: 64, backing: 'ram', layout: 'stride', firstPfn: 0x300000, stride: 2 },
    {
      vaddrPage: V.BAR,
      npages: 256,
      backing: 'vm_pfnmap_reserved',
      layout: 'contiguous',
      firstPfn: 0xe0000,
      stride: 1,
    },
    { vaddrPage: V.HOLE, npages: 256, backing: 'none', layout: 'none', firstPfn: 0, stride: 1 },
  ];
}

const groupJson = (g: RefIommuGroup) => ({
  kind: 'iommu',
  id: g.id,
  levels: 4,
  gaw_bits: 48,
  superpage_support: g.superpage,
  snoop_control: g.snoop,
  reserved_regions: [{ start: '0xfee00000', end: '0xfeefffff', type: 'IOMMU_RESV_MSI' }],
});

function modelSim(w: World): Sim {
  const env = environment.parse({
    container: {
      iommu_type: 'VFIO_TYPE1v2_IOMMU',
      dma_entry_limit: w.dmaEntryLimit,
      disable_hugepages: w.disableHugepages,
    },
    groups: [...w.iommu.map(groupJson), ...(w.emulated ? [{ kind: 'emulated', id: 'vgpu0' }] : [])],
    process: {
      rlimit_memlock_bytes: hex(w.limitPages * 4096),
      locked_vm_pages: w.lockedVm,
      cap_ipc_lock: w.capIpcLock,
    },
    memory: regions(w).map((r, i) => ({
      name: `M${i}`,
      vaddr: hex(r.vaddrPage * 4096),
      size: hex(r.npages * 4096),
      backing: r.backing,
      layout: r.layout,
      first_pfn: hex(r.firstPfn),
      stride: r.stride,
    })),
  });
  return buildSim(env, parseProfile('6.18'));
}

function reference(w: World): ReferenceType1 {
  const env: RefEnv = {
    regions: regions(w),
    limitPages: w.limitPages,
    capIpcLock: w.capIpcLock,
    lockedVm: w.lockedVm,
    dmaEntryLimit: w.dmaEntryLimit,
    disableHugepages: w.disableHugepages,
    iommuGroups: w.iommu,
    emulatedGroups: w.emulated ? ['vgpu0'] : [],
  };
  return new ReferenceType1(env);
}

// ---- operations ----

type Op =
  | { op: 'MAP'; vaddr: number; iova: number; size: number; prot: number }
  | { op: 'UNMAP'; iova: number; size: number }
  | { op: 'PIN'; into: number | null; iova: number; npage: number; prot: number }
  | { op: 'UNPIN'; into: number | null; iova: number; npage: number }
  | { op: 'ATTACH'; group: RefIommuGroup }
  | { op: 'DETACH'; pick: number };

/** 2 MiB-aligned slots (so superpages occur) and arbitrary pages, plus the MSI window. */
const iovaPage = fc.oneof(
  fc.integer({ min: 0, max: 15 }).map((k) => k * 512),
  fc.integer({ min: 0, max: 8191 }),
  fc.constantFrom(0xfed00, 0xfee00, 0xfef00),
);
const vaddrPage = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }).map((k) => V.R0 + k * 512) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 4095 }).map((k) => V.R0 + k) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 63 }).map((k) => V.R1 + k) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((k) => V.BAR + k) },
  { weight: 1, arbitrary: fc.constant(V.HOLE) },
);
/**
 * Where a pin goes: mostly into an existing mapping (picked when the step runs: `into` indexes the
 * mappings, `iova` is then an offset inside it), sometimes anywhere.
 */
const pinTarget = fc.oneof(
  { weight: 4, arbitrary: fc.record({ into: fc.nat(), iova: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ into: fc.constant(null), iova: iovaPage }) },
);
const pages = fc.oneof(
  fc.integer({ min: 1, max: 16 }),
  fc.constantFrom(512, 1024, 1536),
  fc.integer({ min: 1, max: 2048 }),
);
const bytes = fc.oneof(
  { weight: 12, arbitrary: pages.map((n) => n * 4096) },
  { weight: 1, arbitrary: fc.constantFrom(0, 0x800, 0x1800) },
);
const prot = fc.constantFrom(3, 3, 3, 1, 2);
let groupSeq = 0;
const newGroup = fc
  .record({ superpage: fc.constantFrom<0 | 1 | 2>(0, 1, 2), snoop: fc.boolean() })
  .map((g) => ({ ...g, id: `gpu-new${groupSeq++}` }));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('MAP' as const), vaddr: vaddrPage, iova: iovaPage, size: bytes, prot }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('UNMAP' as const), iova: iovaPage, size: bytes }) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(pinTarget, fc.integer({ min: 1, max: 6 }), prot)
      .map(([t, npage, p]) => ({ op: 'PIN' as const, ...t, npage, prot: p })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(pinTarget, fc.integer({ min: 1, max: 6 }))
      .map(([t, npage]) => ({ op: 'UNPIN' as const, ...t, npage })),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('ATTACH' as const), group: newGroup }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('DETACH' as const), pick: fc.nat() }) },
);

const worldArb: fc.Arbitrary<World> = fc
  .record({
    firstPfn: fc.constantFrom(0x100000, 0x100001, 0x100200),
    r0Pages: fc.constantFrom(4096, 2048),
    limitPages: fc.constantFrom(10, 40, 1100, 1 << 20),
    capIpcLock: fc.boolean(),
    lockedVm: fc.constantFrom(0, 8),
    dmaEntryLimit: fc.constantFrom(2, 4, 65535),
    disableHugepages: fc.boolean(),
    iommu: fc.oneof(
      fc.constant([] as RefIommuGroup[]),
      fc
        .record({ superpage: fc.constantFrom<0 | 1 | 2>(0, 1, 2), snoop: fc.boolean() })
        .map((g) => [{ ...g, id: 'gpu0' }]),
    ),
    emulated: fc.boolean(),
  })
  .filter((w) => w.iommu.length > 0 || w.emulated);

// ---- running one op on both ----

function runModel(sim: Sim, name: string, args: Record<string, unknown>): Record<string, unknown> {
  sim.iommu.beginStep();
  return runOp(sim, name, args);
}

function attachedIommuIds(sim: Sim): string[] {
  return sim.iommu.domains.flatMap((d) => d.groups.map((g) => g.spec.id));
}

function pinIova(sim: Sim, o: { into: number | null; iova: number }): number {
  const dmas = sim.iommu.dmaList.items;
  if (o.into === null || dmas.length === 0) return o.iova;
  const d = dmas[o.into % dmas.length]!;
  return d.iovaPfn + (o.iova % d.sizePages);
}

function step(sim: Sim, ref: ReferenceType1, o: Op): void {
  const flags = (p: number) => [...(p & 1 ? ['READ'] : []), ...(p & 2 ? ['WRITE'] : [])];
  switch (o.op) {
    case 'MAP': {
      const out = runModel(sim, 'MAP_DMA', {
        flags: flags(o.prot),
        vaddr: hex(o.vaddr * 4096),
        iova: hex(o.iova * 4096),
        size: hex(o.size),
      });
      expect(out.ret).toBe(ref.mapDma(o.vaddr * 4096, o.iova * 4096, o.size, o.prot));
      return;
    }
    case 'UNMAP': {
      const out = runModel(sim, 'UNMAP_DMA', { iova: hex(o.iova * 4096), size: hex(o.size) });
      const [ret, size] = ref.unmapDma(o.iova * 4096, o.size);
      expect([out.ret, out.size]).toEqual([ret, hex(size)]);
      return;
    }
    case 'PIN': {
      if (sim.iommu.emulatedGroups.length === 0) return;
      const iova = pinIova(sim, o);
      const out = runModel(sim, 'PIN_PAGES', { iova: hex(iova * 4096), npage: o.npage, prot: flags(o.prot) });
      const [ret, pfns] = ref.pinPages(iova * 4096, o.npage, o.prot);
      expect([out.ret, out.pfns]).toEqual([ret, pfns ? pfns.map(hex) : null]);
      return;
    }
    case 'UNPIN': {
      if (sim.iommu.emulatedGroups.length === 0) return;
      const iova = pinIova(sim, o);
      const out = runModel(sim, 'UNPIN_PAGES', { iova: hex(iova * 4096), npage: o.npage });
      expect(out.pfn_list_ref ?? null).toBe(ref.unpinPages(iova * 4096, o.npage));
      return;
    }
    case 'ATTACH': {
      const out = runModel(sim, 'ATTACH_GROUP', { group: groupJson(o.group) });
      expect(out.ret).toBe(ref.attach(o.group));
      return;
    }
    case 'DETACH': {
      const ids = attachedIommuIds(sim);
      if (ids.length === 0) return;
      const id = ids[o.pick % ids.length]!;
      const out = runModel(sim, 'DETACH_GROUP', { id });
      expect(out.ret).toBe(ref.detach(id));
    }
  }
}

function runsOf(pages: Map<number, number>): number[][] {
  const out: number[][] = [];
  for (const iova of [...pages.keys()].sort((a, b) => a - b)) {
    const phys = pages.get(iova)!;
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
    dma_avail: number;
    vfio_dma: Array<{ iova: string; size: string; vaddr: string; iommu_mapped: boolean }>;
    pfn_list: Array<{ iova: string; pfn: string; ref: number }>;
    leaf_ptes: { '4K': number; '2M': number; '1G': number } | null;
  };
  expect(f.locked_vm_pages).toBe(ref.lockedVm);
  expect(f.dma_avail).toBe(ref.dmaAvail);
  expect(f.vfio_dma.map((d) => [d.iova, d.size, d.vaddr, d.iommu_mapped])).toEqual(
    ref.vfioDma().map((d) => [hex(d.iova * 4096), hex(d.npages * 4096), hex(d.vaddr * 4096), d.mapped]),
  );
  expect(f.pfn_list).toEqual(ref.pfnList().map((v) => ({ iova: hex(v.iova * 4096), pfn: hex(v.pfn), ref: v.ref })));
  expect(f.leaf_ptes).toEqual(ref.leafCounts());

  // Translations compared as runs of consecutive iova pages on consecutive pfns (same content as a
  // page-by-page comparison, cheaper to diff for a 1 GiB guest).
  const want = ref.translations();
  const got: number[][] = [];
  sim.iommu.firstDomain?.forEachLeaf(0, 2 ** 36, (iova, phys, n) => {
    const last = got[got.length - 1];
    if (last && last[0]! + last[2]! === iova && last[1]! + last[2]! === phys) last[2]! += n;
    else got.push([iova, phys, n]);
  });
  expect(got).toEqual(runsOf(want));

  // Invariants: no overlapping vfio_dma, no negative accounting, every leaf inside some vfio_dma.
  expect(f.locked_vm_pages).toBeGreaterThanOrEqual(0);
  expect(f.dma_avail).toBeGreaterThanOrEqual(0);
  const dmas = sim.iommu.dmaList.items;
  for (let i = 1; i < dmas.length; i++) expect(dmas[i]!.iovaPfn).toBeGreaterThanOrEqual(dmas[i - 1]!.endPfn);
  for (const d of dmas) expect(d.lockedVm).toBeGreaterThanOrEqual(0);
  for (const [iova, , n] of got) {
    for (let p = iova!; p < iova! + n!;) {
      const d = dmas.find((x) => p >= x.iovaPfn && p < x.endPfn);
      expect(d, `leaf page ${hex(p)} lies in no vfio_dma`).toBeDefined();
      p = d!.endPfn;
    }
  }
}

describe('type1 model against the naive page-by-page reference (6.18)', () => {
  test.prop([worldArb, fc.array(opArb, { minLength: 1, maxLength: 12 })], { numRuns: 500 })(
    'agree on every return value, locked_vm, dma_avail, pfn_list, leaves and translation',
    (w, ops) => {
      const sim = modelSim(w);
      const ref = reference(w);
      compare(sim, ref);
      for (const o of ops) {
        step(sim, ref, o);
        compare(sim, ref);
      }
    },
  );

  it('agrees on a 1 GiB guest: 1G leaves, a second domain by replay, pins, partial unmaps', () => {
    const w: World = {
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
    const ops: Op[] = [
      { op: 'MAP', vaddr: V.R0, iova: 0x40000, size: 1 << 30, prot: 3 },
      { op: 'PIN', into: null, iova: 0x40010, npage: 6, prot: 3 },
      { op: 'ATTACH', group: { id: 'gpu1', superpage: 1, snoop: true } },
      { op: 'MAP', vaddr: V.R0 + 1, iova: 0x100, size: 2 * 1024 * 1024, prot: 1 },
      { op: 'UNPIN', into: null, iova: 0x40010, npage: 6 },
      { op: 'DETACH', pick: 0 },
      { op: 'UNMAP', iova: 0x40000, size: 1 << 30 },
    ];
    for (const o of ops) {
      step(sim, ref, o);
      compare(sim, ref);
    }
    expect(sim.iommu.dmaList.size).toBe(1);
  });
});
