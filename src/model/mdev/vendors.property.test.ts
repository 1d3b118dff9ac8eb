import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ReferenceKvmgt } from '../../testing/reference-kvmgt';
import { ReferenceType1, type RefRegion } from '../../testing/reference-type1';
import { buildSim } from '../engine/env';
import { finalState } from '../engine/final';
import { materialize } from '../engine/rows';
import { runOp } from '../engine/ops';
import type { Sim } from '../engine/sim';
import { parseProfile } from '../profile';
import { environment } from '../scenario/schema';
import { VENDOR_CONFIGS } from './configs';
import type { VgpuDriver } from './vgpu';

// Every vendor model (KVMGT and the 2016 designs × policy × host IOMMU) under random 4 KiB and 2 MiB
// maps, maps again of pages already mapped (at the same size, the other size, or through an alias), unmaps
// fewer, as many or more times than the maps, QEMU UNMAP_DMAs and remaps, in mdev-only and mixed
// containers, with two iovas aliasing the same guest RAM. type1's side is checked against the page-level
// reference fed the same type1 calls; KVMGT's krefs and pins against the reference gvt_dma cache fed the
// same ops.

const hex = (n: number) => '0x' + n.toString(16);
const RAM = { vaddrPage: 0x7f0000000, npages: 4096, firstPfn: 0x100000 }; // 16 MiB, 2 MiB aligned
const STRIDE = { vaddrPage: 0x7f1000000, npages: 64, firstPfn: 0x300000 }; // every other host page
const LOCKED_BEFORE = 7;

/** QEMU's mappings: RAM in two slots at iova == gpa, the stride region, and RAM's first 4 MiB again. */
const MAPPINGS = [
  { vaddrPage: RAM.vaddrPage, iovaPage: 0, npages: 1024 },
  { vaddrPage: RAM.vaddrPage + 1024, iovaPage: 1024, npages: 3072 },
  { vaddrPage: STRIDE.vaddrPage, iovaPage: 0x1000, npages: 64 },
  { vaddrPage: RAM.vaddrPage, iovaPage: 0x2000, npages: 1024 },
];

const regions: RefRegion[] = [
  {
    vaddrPage: RAM.vaddrPage,
    npages: RAM.npages,
    backing: 'ram',
    layout: 'contiguous',
    firstPfn: RAM.firstPfn,
    stride: 1,
  },
  {
    vaddrPage: STRIDE.vaddrPage,
    npages: STRIDE.npages,
    backing: 'ram',
    layout: 'stride',
    firstPfn: STRIDE.firstPfn,
    stride: 2,
  },
];
const GPU = { id: 'gpu-pt', superpage: 2 as const, snoop: false };

function modelSim(vendor: Record<string, string>, mixed: boolean): Sim {
  const env = environment.parse({
    groups: [
      { kind: 'emulated', id: 'vgpu0' },
      ...(mixed ? [{ kind: 'iommu', id: GPU.id, superpage_support: GPU.superpage, snoop_control: GPU.snoop }] : []),
    ],
    process: { rlimit_memlock_bytes: '0x100000000', locked_vm_pages: LOCKED_BEFORE },
    memory: regions.map((r, i) => ({
      name: `M${i}`,
      vaddr: hex(r.vaddrPage * 4096),
      size: hex(r.npages * 4096),
      layout: r.layout,
      first_pfn: hex(r.firstPfn),
      stride: r.stride,
    })),
    vendor,
  });
  return buildSim(env, parseProfile('6.18'));
}

function referenceSim(mixed: boolean): ReferenceType1 {
  return new ReferenceType1({
    regions,
    limitPages: 2 ** 20,
    capIpcLock: false,
    lockedVm: LOCKED_BEFORE,
    dmaEntryLimit: 65535,
    disableHugepages: false,
    iommuGroups: mixed ? [GPU] : [],
    emulatedGroups: ['vgpu0'],
  });
}

function run(s: Sim, name: string, args: Record<string, unknown>): Record<string, unknown> {
  s.iommu.beginStep();
  return runOp(s, name, args);
}

/** The host page behind QEMU's vaddr for iova page `page` (what the device must reach), or null if unmapped. */
function behind(s: Sim, page: number): number | null {
  const dma = s.iommu.dmaList.findDma(page, 1);
  if (!dma) return null;
  const vpage = dma.vaddrPfn + (page - dma.iovaPfn);
  const r = regions.find((x) => vpage >= x.vaddrPage && vpage < x.vaddrPage + x.npages)!;
  return r.firstPfn + (vpage - r.vaddrPage) * r.stride;
}

/** Whether every page from gfn has a host page behind it, and those host pages are consecutive. */
function backedContiguously(s: Sim, gfn: number, pages: number): boolean {
  const all = Array.from({ length: pages }, (_, k) => behind(s, gfn + k));
  return all.every((p, k) => p !== null && p === all[0]! + k);
}

/** The host page the device reaches at dma page `dmaPfn`: itself (IOMMU off) or through the vendor's DMA domain. */
function reached(v: VgpuDriver, dmaPfn: number): number {
  return v.dma ? v.dma.domain.iovaToPhysPfn(dmaPfn) : dmaPfn;
}

const dmaPfnOf = (out: Record<string, unknown>) => Number(BigInt(out.dma_addr as string) >> 12n);
const calls = (list: Array<{ iovaPfn: number; npage: number }>) => list.map((c) => [c.iovaPfn, c.npage]);

/**
 * Feeds the reference the type1 calls the vendor made, pins before unpins (their counts commute). After a
 * map that succeeded every pin did, so KVMGT's single-page pins go in as runs of up to 512 pages: each
 * reference call copies its whole state, and 512 copies per 2 MiB page would be most of the test's time.
 */
function feed(ref: ReferenceType1, s: Sim, succeeded: boolean): void {
  const pins: Array<[number, number]> = [];
  for (const c of s.iommu.trace.type1Pins) {
    const last = pins[pins.length - 1];
    if (succeeded && last && last[0] + last[1] === c.iovaPfn && last[1] + c.npage <= 512) last[1] += c.npage;
    else pins.push([c.iovaPfn, c.npage]);
  }
  for (const [iovaPfn, npage] of pins) ref.pinPages(iovaPfn * 4096, npage, 3);
  for (const c of s.iommu.trace.type1Unpins) ref.unpinPages(c.iovaPfn * 4096, c.npage);
}

type Size = '4K' | '2M';
const pagesOf = (size: Size) => (size === '2M' ? 512 : 1);

/**
 * `again` maps once more, and `unmap` unmaps, a page mapped earlier (`pick` indexes the maps so far, one
 * per successful map, so a page mapped n times is picked n times as often), or with none yet `gfn` (which
 * `again` maps at 4 KiB). `again` may map the page at the other size, or map its alias instead. `via`
 * is the entry point KVMGT is driven through: the generic ops (unmap by gfn) or its own (the kref comes
 * out; unmap by the dma_addr the map returned, which may since have been released or handed to another
 * entry). The designs always take the generic ones.
 */
type Op =
  | { op: 'map'; gfn: number; size: Size; via: Via }
  | { op: 'again'; pick: number; twist: 'none' | 'resize' | 'alias'; gfn: number; via: Via }
  | { op: 'unmap'; pick: number; gfn: number; size: Size; via: Via }
  | { op: 'unmapDma'; mapping: number | 'all' }
  | { op: 'remapDma'; mapping: number | 'merged' };
type Via = 'vgpu' | 'kvmgt';
type GuestOp = Extract<Op, { via: Via }>;

const gfn2m = fc.constantFrom(0, 512, 1024, 3584, 0x1000, 0x2000, 0x2200, 0x3000);
const gfn4k = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 31 }) },
  fc.integer({ min: 0, max: 4095 }),
  fc.integer({ min: 0, max: 63 }).map((k) => 0x1000 + k),
  fc.integer({ min: 0, max: 1023 }).map((k) => 0x2000 + k),
  fc.constant(0x3000),
  // A 4 KiB page where a 2 MiB one may start, so that one gfn is cached at both sizes in turn.
  { weight: 2, arbitrary: gfn2m },
);
const via = fc.constantFrom<Via>('vgpu', 'kvmgt');
const size = fc.constantFrom<Size>('4K', '2M');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ op: fc.constant('map' as const), gfn: gfn4k, size: fc.constant('4K' as const), via }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ op: fc.constant('map' as const), gfn: gfn2m, size: fc.constant('2M' as const), via }),
  },
  {
    weight: 10,
    arbitrary: fc.record({
      op: fc.constant('again' as const),
      pick: fc.nat(),
      twist: fc.constantFrom('none' as const, 'resize' as const, 'alias' as const),
      gfn: gfn4k,
      via,
    }),
  },
  {
    weight: 8,
    arbitrary: fc.record({ op: fc.constant('unmap' as const), pick: fc.nat(), gfn: fc.oneof(gfn4k, gfn2m), size, via }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('unmapDma' as const),
      mapping: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('all' as const)),
    }),
  },
  {
    // QEMU maps again what it unmapped, as before or as one slot over the first two: a vendor region left
    // from an unmap with nothing pinned (no dma_unmap came) must give way to the new vfio_dma.
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('remapDma' as const),
      mapping: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('merged' as const)),
    }),
  },
);

interface Mapped {
  gfn: number;
  size: Size;
  /** The dma_addr the map returned, as the device holds it. */
  dmaPfn: number;
}

/** The page an op names; for an unmap of a page mapped earlier, also the dma_addr the device was given. */
function target(o: GuestOp, mapped: Mapped[]): { gfn: number; size: Size; dmaPfn: number | null } {
  if (o.op === 'map') return { gfn: o.gfn, size: o.size, dmaPfn: null };
  if (mapped.length === 0) return { gfn: o.gfn, size: o.op === 'unmap' ? o.size : '4K', dmaPfn: null };
  const earlier = mapped[o.pick % mapped.length]!;
  if (o.op === 'unmap') return { gfn: earlier.gfn, size: o.size, dmaPfn: earlier.dmaPfn };
  if (o.twist === 'alias') {
    // RAM's first 4 MiB is at iova 0 and again at 0x2000 (without a host IOMMU the two share dma_addrs);
    // a page elsewhere has no alias and is mapped again as it is.
    const low = earlier.gfn < 0x400;
    const high = earlier.gfn >= 0x2000 && earlier.gfn < 0x2400;
    const gfn = low ? earlier.gfn + 0x2000 : high ? earlier.gfn - 0x2000 : earlier.gfn;
    return { gfn, size: earlier.size, dmaPfn: null };
  }
  // Only where a 2 MiB page may start does a 4 KiB one grow: a 2 MiB entry across two vfio_dmas stays
  // pinned when QEMU unmaps one of them, and type1 BUG()s as it would (GVT maps 2 MiB-aligned gfns only).
  const other: Size = earlier.size === '2M' ? '4K' : '2M';
  const flip = o.twist === 'resize' && (earlier.size === '2M' || earlier.gfn % 512 === 0);
  return { gfn: earlier.gfn, size: flip ? other : earlier.size, dmaPfn: null };
}

/** The 4 KiB pages a 2016 design tracks, worked out from the ops alone: what type1's pfn_list must hold. */
class DesignExpected {
  readonly tracked = new Set<number>();

  constructor(readonly pinAll: boolean) {}

  map(s: Sim, gfn: number, pages: number, ok: boolean): void {
    if (!ok) return;
    const dma = s.iommu.dmaList.findDma(gfn, 1)!;
    const [from, n] = this.pinAll ? [dma.iovaPfn, dma.sizePages] : [gfn, pages];
    for (let k = 0; k < n; k++) this.tracked.add(from + k);
  }

  /** Whether the unmap must succeed; applies it. */
  unmap(s: Sim, gfn: number, pages: number): boolean {
    if (!this.tracked.has(gfn)) return false;
    if (this.pinAll) return true;
    const dma = s.iommu.dmaList.findDma(gfn, 1)!;
    const end = Math.min(gfn + pages, dma.iovaPfn + dma.sizePages);
    for (let g = gfn; g < end; g++) this.tracked.delete(g);
    return true;
  }

  /** The vendor's dma_unmap callback: everything in the range goes. */
  dmaUnmap(from: number, pages: number): void {
    for (const g of [...this.tracked]) if (g >= from && g < from + pages) this.tracked.delete(g);
  }

  pinned(): number[] {
    return [...this.tracked].sort((a, b) => a - b);
  }
}

function designStep(s: Sim, v: VgpuDriver, d: DesignExpected, ref: ReferenceType1, o: GuestOp, mapped: Mapped[]): void {
  const t = target(o, mapped);
  const pages = pagesOf(t.size);
  const expectedUnmap = o.op === 'unmap' && d.unmap(s, t.gfn, pages);
  const name = o.op === 'unmap' ? 'VGPU_UNMAP_GUEST_PAGE' : 'VGPU_MAP_GUEST_PAGE';
  const out = run(s, name, { gfn: hex(t.gfn), page_size: t.size });
  feed(ref, s, out.ret === 0);
  if (o.op === 'unmap') {
    expect(out.ret).toBe(expectedUnmap ? 0 : '-EINVAL');
    return;
  }
  d.map(s, t.gfn, pages, out.ret === 0);
  if (out.ret === 0) {
    mapped.push({ gfn: t.gfn, size: t.size, dmaPfn: dmaPfnOf(out) });
    // The designs return the first page's address.
    expect(reached(v, dmaPfnOf(out))).toBe(behind(s, t.gfn));
    return;
  }
  // A map fails only if some page is outside every mapping, or (a 2 MiB page) the host pages are not consecutive.
  const oneDma = s.iommu.dmaList.findDma(t.gfn, 1)?.iovaPfn ?? -1;
  const inOne = oneDma >= 0 && s.iommu.dmaList.findDma(t.gfn + pages - 1, 1)?.iovaPfn === oneDma;
  expect(backedContiguously(s, t.gfn, pages) && inOne).toBe(false);
}

/**
 * One guest-page op on KVMGT, checked against the reference cache: the ret, the kref the step reports,
 * the dma_addr (a kref_get returns the entry's own), and the exact vfio_pin_pages / vfio_unpin_pages calls.
 */
function kvmgtStep(s: Sim, v: VgpuDriver, k: ReferenceKvmgt, ref: ReferenceType1, o: GuestOp, mapped: Mapped[]): void {
  const t = target(o, mapped);
  const pages = pagesOf(t.size);
  if (o.op === 'unmap') {
    // By gfn, the entry cached for it names the dma_addr; by dma_addr, it is the one the device holds, or
    // with nothing mapped yet the gfn itself, an address no map returns (host pfns and iovas lie far above).
    const byGfn = o.via === 'vgpu' ? k.find(t.gfn) : undefined;
    const dmaPfn = o.via === 'vgpu' ? byGfn?.dmaPfn : (t.dmaPfn ?? t.gfn);
    const put = dmaPfn === undefined ? null : k.put(dmaPfn);
    const out =
      o.via === 'vgpu'
        ? run(s, 'VGPU_UNMAP_GUEST_PAGE', { gfn: hex(t.gfn), page_size: t.size })
        : run(s, 'KVMGT_UNMAP_GUEST_PAGE', { dma_addr: hex(dmaPfn! * 4096) });
    feed(ref, s, true);
    if (o.via === 'vgpu') expect(out.ret).toBe(byGfn ? 0 : '-EINVAL');
    else expect(out.kref).toBe(put && put.kref > 0 ? put.kref : null);
    // Only the last put unmaps and unpins, with one vfio_unpin_pages for the whole entry.
    expect(calls(s.iommu.trace.type1Pins)).toEqual([]);
    expect(calls(s.iommu.trace.type1Unpins)).toEqual(put?.kref === 0 ? [[put.gfn, put.pages]] : []);
    return;
  }
  const { kept, dropped } = k.map(t.gfn, pages);
  const out =
    o.via === 'vgpu'
      ? run(s, 'VGPU_MAP_GUEST_PAGE', { gfn: hex(t.gfn), page_size: t.size })
      : run(s, 'KVMGT_MAP_GUEST_PAGE', { gfn: hex(t.gfn), size: hex(pages * 4096) });
  feed(ref, s, out.ret === 0);
  // gvt_pin_guest_page pins page by page, whichever vfio_dma each lies in: only a page with no host page
  // behind it, or host pages that are not consecutive, fail the map.
  expect(out.ret).toBe(kept || backedContiguously(s, t.gfn, pages) ? 0 : '-EINVAL');
  if (out.ret !== 0) return;
  const dmaPfn = dmaPfnOf(out);
  mapped.push({ gfn: t.gfn, size: t.size, dmaPfn });
  if (kept) expect(dmaPfn).toBe(kept.dmaPfn);
  const e = kept ?? k.add(t.gfn, pages, dmaPfn);
  if (o.via === 'kvmgt') expect(out.kref).toBe(e.kref);
  // kref_get pins nothing; a new entry pins each page with a call of its own, once the entry of the other
  // size (if any) has been unpinned.
  expect(calls(s.iommu.trace.type1Pins)).toEqual(kept ? [] : Array.from({ length: pages }, (_, i) => [t.gfn + i, 1]));
  expect(calls(s.iommu.trace.type1Unpins)).toEqual(dropped ? [[dropped.gfn, dropped.pages]] : []);
  // KVMGT maps a 2 MiB page as one contiguous DMA range; with a host IOMMU each entry has iovas of its own.
  for (let i = 0; i < pages; i++) expect(reached(v, dmaPfn + i)).toBe(behind(s, t.gfn + i));
  if (v.dma) expect(k.overlapsDmaOf(e)).toBe(false);
}

const kvmgtConfigs = VENDOR_CONFIGS.filter((c) => c.vendor.kind === 'kvmgt');
const designConfigs = VENDOR_CONFIGS.filter((c) => c.vendor.kind !== 'kvmgt');

describe('every vGPU vendor model against type1 and the page-level reference', () => {
  test.prop(
    [
      // KVMGT is 2 of the 16 configurations but the only one with krefs: it gets half the runs.
      fc.oneof(fc.constantFrom(...kvmgtConfigs), fc.constantFrom(...designConfigs)),
      fc.boolean(),
      fc.array(opArb, { minLength: 1, maxLength: 20 }),
    ],
    { numRuns: 260 },
  )(
    'the device reaches the page behind the vaddr; pins follow maps, krefs, unmaps and UNMAP_DMA; locked_vm moves as the reference says',
    (cfg, mixed, ops) => {
      const s = modelSim(cfg.vendor, mixed);
      const ref = referenceSim(mixed);
      const v = (s.tracking ?? s.kvmgt)!;
      const kvmgt = s.kvmgt ? new ReferenceKvmgt() : null;
      const designs = s.kvmgt ? null : new DesignExpected(cfg.vendor.policy === 'pin-all');
      const mapped: Mapped[] = [];
      for (const m of MAPPINGS) {
        const args = { flags: ['READ', 'WRITE'], vaddr: hex(m.vaddrPage * 4096), iova: hex(m.iovaPage * 4096) };
        expect(run(s, 'MAP_DMA', { ...args, size: hex(m.npages * 4096) }).ret).toBe(0);
        expect(ref.mapDma(m.vaddrPage * 4096, m.iovaPage * 4096, m.npages * 4096, 3)).toBe(0);
      }
      for (const o of ops) {
        if (o.op === 'unmapDma') {
          const [from, pages] =
            o.mapping === 'all' ? [0, 0x4000] : [MAPPINGS[o.mapping]!.iovaPage, MAPPINGS[o.mapping]!.npages];
          const out = run(s, 'UNMAP_DMA', { iova: hex(from * 4096), size: hex(pages * 4096) });
          const [refRet] = ref.unmapDma(from * 4096, pages * 4096);
          expect(out.ret).toBe(refRet);
          if (out.ret === 0) (kvmgt ?? designs!).dmaUnmap(from, pages);
        } else if (o.op === 'remapDma') {
          const m =
            o.mapping === 'merged' ? { vaddrPage: RAM.vaddrPage, iovaPage: 0, npages: 4096 } : MAPPINGS[o.mapping]!;
          const args = { flags: ['READ', 'WRITE'], vaddr: hex(m.vaddrPage * 4096), iova: hex(m.iovaPage * 4096) };
          const out = run(s, 'MAP_DMA', { ...args, size: hex(m.npages * 4096) });
          expect(out.ret).toBe(ref.mapDma(m.vaddrPage * 4096, m.iovaPage * 4096, m.npages * 4096, 3));
        } else if (kvmgt) kvmgtStep(s, v, kvmgt, ref, o, mapped);
        else designStep(s, v, designs!, ref, o, mapped);
        const f = materialize(finalState(s)) as {
          locked_vm_pages: number;
          pfn_list: Array<{ iova: string; ref: number }>;
        };
        const held = f.pfn_list.map((p) => [Number(BigInt(p.iova) >> 12n), p.ref]).sort((a, b) => a[0]! - b[0]!);
        const refHeld = ref.pfnList().map((p) => [p.iova, p.ref]);
        if (kvmgt) {
          // Every live entry holds each of its pages pinned once, whatever its kref.
          expect(held).toEqual(kvmgt.pins());
          expect(v.entries).toBe(kvmgt.size);
          expect(held).toEqual(refHeld);
        } else {
          expect(held.map((p) => p[0])).toEqual(designs!.pinned());
          expect(v.entries).toBe(designs!.tracked.size);
          expect(held.map((p) => p[0])).toEqual(refHeld.map((p) => p[0]));
        }
        expect(f.locked_vm_pages - LOCKED_BEFORE).toBe(ref.lockedVm - LOCKED_BEFORE);
      }
    },
  );
});
