// The small world in which the property tests drive the type1 model and reference-type1.ts side by side:
// its memory, its random op sequences, and the step that runs one op on both. Kept in one place so that
// the tests built on it (src/model/engine/type1.property.test.ts, src/model/inspect/inspect.property.test.ts)
// explore the same ground and cannot drift apart.

import { fc } from '@fast-check/vitest';
import { expect } from 'vitest';
import type { z } from 'zod';
import { buildSim } from '../model/engine/env';
import { runOp } from '../model/engine/ops';
import type { Sim } from '../model/engine/sim';
import { parseProfile } from '../model/profile';
import { environment, type memoryRegion } from '../model/scenario/schema';
import { ReferenceType1, type RefIommuGroup, type RefRegion } from './reference-type1';

// ---- the world ----

export const V = {
  R0: 0x7f0000000,
  R1: 0x7f1000000,
  BAR: 0x7f2000000,
  HOLE: 0x7f3000000,
  EDGE: 0x7f4000000,
  BAR2: 0x7f5000000,
};
/** Pages in the 64-bit space; 2^36 pages is the first page past the groups' 48-bit aperture. */
export const TOP = 2 ** 52;
const APERTURE_END = 2 ** 36;
export const hex = (n: number | bigint) => '0x' + n.toString(16);
export const bytes = (pages: number) => BigInt(pages) * 4096n;
export const hexPage = (p: number) => hex(bytes(p));

export interface World {
  kernel: string;
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

/** For cases written by hand: nothing in their ops' way (ample limits, 8 MiB of R0, an mdev); each adds its kernel and groups. */
export const quiet: Omit<World, 'kernel' | 'iommu'> = {
  firstPfn: 0x100000,
  r0Pages: 2048,
  limitPages: 1 << 20,
  capIpcLock: false,
  lockedVm: 0,
  dmaEntryLimit: 65535,
  disableHugepages: false,
  emulated: true,
};

/**
 * R0 contiguous RAM, R1 one frame in two, BAR a PFNMAP range, HOLE no VMA. EDGE breaks pin chunks at
 * known pages: at +24 the frames jump (two VMAs), at +48 a PFNMAP run starts on the very next frame, at
 * +64 RAM resumes on the next frame again, and +80 on has no VMA. BAR2 maps the first 64 frames of BAR a
 * second time: a frame is reserved once however many VMAs map it.
 */
function regions(w: World): RefRegion[] {
  const ram = (vaddrPage: number, npages: number, firstPfn: number): RefRegion => ({
    vaddrPage,
    npages,
    backing: 'ram',
    layout: 'contiguous',
    firstPfn,
    stride: 1,
  });
  const pfnmap = (vaddrPage: number, npages: number, firstPfn: number): RefRegion => ({
    ...ram(vaddrPage, npages, firstPfn),
    backing: 'vm_pfnmap_reserved',
  });
  return [
    ram(V.R0, w.r0Pages, w.firstPfn),
    { vaddrPage: V.R1, npages: 64, backing: 'ram', layout: 'stride', firstPfn: 0x300000, stride: 2 },
    pfnmap(V.BAR, 256, 0xe0000),
    { vaddrPage: V.HOLE, npages: 256, backing: 'none', layout: 'none', firstPfn: 0, stride: 1 },
    ram(V.EDGE, 24, 0x400000),
    ram(V.EDGE + 24, 24, 0x401000),
    pfnmap(V.EDGE + 48, 16, 0x401018),
    ram(V.EDGE + 64, 16, 0x401028),
    pfnmap(V.BAR2, 64, 0xe0000),
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

/** The model over the world; `more` is memory a test adds in layouts the reference has no form for. */
export function modelSim(w: World, more: z.input<typeof memoryRegion>[] = []): Sim {
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
    memory: [
      ...regions(w).map((r, i) => ({
        name: `M${i}`,
        vaddr: hexPage(r.vaddrPage),
        size: hexPage(r.npages),
        backing: r.backing,
        layout: r.layout,
        first_pfn: hex(r.firstPfn),
        stride: r.stride,
      })),
      ...more,
    ],
  });
  return buildSim(env, parseProfile(w.kernel));
}

/** The reference over the world; `more` is that same added memory, in the reference's plain regions. */
export function reference(w: World, more: RefRegion[] = []): ReferenceType1 {
  return new ReferenceType1({
    regions: [...regions(w), ...more],
    limitPages: w.limitPages,
    capIpcLock: w.capIpcLock,
    lockedVm: w.lockedVm,
    dmaEntryLimit: w.dmaEntryLimit,
    disableHugepages: w.disableHugepages,
    iommuGroups: w.iommu,
    emulatedGroups: w.emulated ? ['vgpu0'] : [],
    kernel: w.kernel,
  });
}

// ---- operations ----

/** Where a pin, unpin or unmap lands, resolved against the mappings when the step runs. */
export type Target =
  /** Page `off` of the `pick`-th mapping (modulo both). */
  | { kind: 'dma'; pick: number; off: number }
  /** The iova whose vaddr is `vaddr`, in the mapping that covers it (else the first mapping's first page). */
  | { kind: 'va'; vaddr: number }
  | { kind: 'iova'; page: number };

export type Range =
  /** Exactly `span` consecutive mappings from the `pick`-th. */
  | { kind: 'whole'; pick: number; span: number }
  /** `npages` from page `off` of the `pick`-th mapping: usually bisects it. */
  | { kind: 'part'; pick: number; off: number; npages: number }
  | { kind: 'raw'; iova: number; size: bigint };

/** The ops every test plays; each adds its own PIN, whose checks differ. */
export type SharedOp =
  | { op: 'MAP'; vaddr: number; iova: number; size: bigint; flags: number }
  /** MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR: a new vaddr for an invalidated mapping. */
  | { op: 'VADDR'; range: Range; vaddr: number }
  | { op: 'UNMAP'; range: Range; flags: number }
  | { op: 'UNPIN'; at: Target; npage: number }
  | { op: 'ATTACH'; group: RefIommuGroup }
  | { op: 'DETACH'; pick: number };

export const MAP_VADDR = 4;
export const UNMAP_FLAGS = { ALL: 2, VADDR: 4 };

// ---- generators ----

/** 2 MiB-aligned slots (so superpages occur) and arbitrary pages, plus the MSI window. */
export const iovaPage = fc.oneof(
  fc.integer({ min: 0, max: 15 }).map((k) => k * 512),
  fc.integer({ min: 0, max: 8191 }),
  fc.constantFrom(0xfed00, 0xfee00, 0xfef00),
);
/** Past the aperture, and 16 pages below the top of the 64-bit space. */
export const farIovaPage = fc.constantFrom(APERTURE_END, TOP - 16);
export const edgeMapStart = fc.constantFrom(0, 1, 20, 23, 24, 40, 47, 48, 60, 63, 64).map((k) => V.EDGE + k);
/** A vaddr page in any region of the world, or in the memory a test adds (`more`). */
export const vaddrPageArb = (...more: fc.WeightedArbitrary<number>[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }).map((k) => V.R0 + k * 512) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 4095 }).map((k) => V.R0 + k) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 63 }).map((k) => V.R1 + k) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }).map((k) => V.BAR + k) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 63 }).map((k) => V.BAR2 + k) },
    { weight: 2, arbitrary: edgeMapStart },
    { weight: 1, arbitrary: fc.constant(V.HOLE) },
    ...more,
  );
export const pages = fc.oneof(
  fc.integer({ min: 1, max: 16 }),
  fc.integer({ min: 1, max: 96 }),
  fc.constantFrom(512, 1024, 1536),
  fc.integer({ min: 1, max: 2048 }),
);
/** Mostly whole pages; now and then one of `odd`, sizes MAP_DMA and UNMAP_DMA must refuse. */
export const sizeArb = (...odd: bigint[]) =>
  fc.oneof({ weight: 12, arbitrary: pages.map(bytes) }, { weight: 1, arbitrary: fc.constantFrom(...odd) });
export const prot = fc.constantFrom(3, 3, 3, 1, 2);
export const gpu0 = (...superpages: (0 | 1 | 2)[]) =>
  fc.record({ superpage: fc.constantFrom(...superpages), snoop: fc.boolean() }).map((g) => ({ ...g, id: 'gpu0' }));
let groupSeq = 0;
const newGroup = fc
  .record({ superpage: fc.constantFrom<0 | 1 | 2>(0, 1, 2), snoop: fc.boolean() })
  .map((g) => ({ ...g, id: `gpu-new${groupSeq++}` }));

export const dmaTarget = (maxOff: number) =>
  fc.record({ kind: fc.constant('dma' as const), pick: fc.nat(), off: fc.integer({ min: 0, max: maxOff }) });
export const iovaTarget = fc.record({ kind: fc.constant('iova' as const), page: iovaPage });
export const oneMapping = fc.record({ kind: fc.constant('whole' as const), pick: fc.nat(), span: fc.constant(1) });
export const rangeArb = (size: fc.Arbitrary<bigint>, rawWeight: number): fc.Arbitrary<Range> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('whole' as const),
        pick: fc.nat(),
        span: fc.integer({ min: 1, max: 2 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('part' as const),
        pick: fc.nat(),
        off: fc.integer({ min: 0, max: 30 }),
        npages: fc.integer({ min: 1, max: 30 }),
      }),
    },
    { weight: rawWeight, arbitrary: fc.record({ kind: fc.constant('raw' as const), iova: iovaPage, size }) },
  );

export const unmapAllOp = fc.record({
  op: fc.constant('UNMAP' as const),
  range: fc.constant<Range>({ kind: 'raw', iova: 0, size: 0n }),
  flags: fc.constantFrom(UNMAP_FLAGS.ALL, UNMAP_FLAGS.ALL | UNMAP_FLAGS.VADDR),
});
export const attachOp = fc.record({ op: fc.constant('ATTACH' as const), group: newGroup });
export const detachOp = fc.record({ op: fc.constant('DETACH' as const), pick: fc.nat() });

/** Worlds with an IOMMU group or an mdev (or both); the limits to draw from are each test's own. */
export const worldArb = (
  kernel: string,
  o: { limitPages: number[]; dmaEntryLimit: number[]; iommu: fc.Arbitrary<RefIommuGroup[]> },
): fc.Arbitrary<World> =>
  fc
    .record({
      kernel: fc.constant(kernel),
      firstPfn: fc.constantFrom(0x100000, 0x100001, 0x100200),
      r0Pages: fc.constantFrom(4096, 2048),
      limitPages: fc.constantFrom(...o.limitPages),
      capIpcLock: fc.boolean(),
      lockedVm: fc.constantFrom(0, 8),
      dmaEntryLimit: fc.constantFrom(...o.dmaEntryLimit),
      disableHugepages: fc.boolean(),
      iommu: o.iommu,
      emulated: fc.boolean(),
    })
    .filter((w) => w.iommu.length > 0 || w.emulated);

// ---- running one op on both ----

export function runModel(sim: Sim, name: string, args: Record<string, unknown>): Record<string, unknown> {
  sim.iommu.beginStep();
  return runOp(sim, name, args);
}

export function resolve(ref: ReferenceType1, at: Target): number {
  const dmas = ref.vfioDma();
  switch (at.kind) {
    case 'iova':
      return at.page;
    case 'va': {
      const d = dmas.find((x) => at.vaddr >= x.vaddr && at.vaddr < x.vaddr + x.npages);
      return d ? d.iova + (at.vaddr - d.vaddr) : (dmas[0]?.iova ?? 0);
    }
    case 'dma': {
      const d = dmas[at.pick % Math.max(dmas.length, 1)];
      return d ? d.iova + (at.off % d.npages) : at.off;
    }
  }
}

/** [iova page, bytes] of a range; `raw` sizes are already bytes. */
export function resolveRange(ref: ReferenceType1, r: Range): [number, bigint] {
  const dmas = ref.vfioDma();
  if (r.kind === 'raw') return [r.iova, r.size];
  if (dmas.length === 0) return [0, 4096n];
  const i = r.pick % dmas.length;
  const d = dmas[i]!;
  if (r.kind === 'part') return [d.iova + (r.off % d.npages), bytes(r.npages)];
  const last = dmas[Math.min(i + r.span - 1, dmas.length - 1)]!;
  return [d.iova, bytes(last.iova + last.npages - d.iova)];
}

/** MAP_DMA on both, their return values compared; the model's output is for further checks. */
export function mapDma(
  sim: Sim,
  ref: ReferenceType1,
  flags: number,
  vaddr: number,
  iova: number,
  size: bigint,
): Record<string, unknown> {
  const args = { flags, vaddr: bytes(vaddr), iova: bytes(iova), size };
  const out = runModel(sim, 'MAP_DMA', { flags, vaddr: hex(args.vaddr), iova: hex(args.iova), size: hex(size) });
  expect(out.ret).toBe(ref.map(args));
  return out;
}

/**
 * Runs one op whose checks every test shares on both and compares what it returned; false when the
 * sequence must stop there.
 */
export function stepShared(
  sim: Sim,
  ref: ReferenceType1,
  o: Extract<SharedOp, { op: 'VADDR' | 'UNMAP' | 'ATTACH' | 'DETACH' }>,
): boolean {
  switch (o.op) {
    case 'VADDR': {
      const [iova, sz] = resolveRange(ref, o.range);
      mapDma(sim, ref, MAP_VADDR, o.vaddr, iova, sz);
      return true;
    }
    case 'UNMAP': {
      const [iova, sz] = resolveRange(ref, o.range);
      const out = runModel(sim, 'UNMAP_DMA', { flags: o.flags, iova: hexPage(iova), size: hex(sz) });
      const [ret, left] = ref.unmap({ flags: o.flags, iova: bytes(iova), size: sz });
      expect([out.ret, out.size]).toEqual([ret, hex(left)]);
      return true;
    }
    case 'ATTACH': {
      const out = runModel(sim, 'ATTACH_GROUP', { group: groupJson(o.group) });
      expect(out.ret).toBe(ref.attach(o.group));
      // After a failed replay before 5.9 the next replay would follow a bogus domain pointer (the model
      // stops the case there with a KERNEL_BUG): nothing after it is worth comparing.
      return !ref.replayLeak;
    }
    case 'DETACH': {
      const ids = sim.iommu.domains.flatMap((d) => d.groups.map((g) => g.spec.id));
      if (ids.length === 0) return true;
      const id = ids[o.pick % ids.length]!;
      const out = runModel(sim, 'DETACH_GROUP', { id });
      expect(out.ret).toBe(ref.detach(id));
      return true;
    }
  }
}
