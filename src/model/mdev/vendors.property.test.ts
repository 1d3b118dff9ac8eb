import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ReferenceType1, type RefRegion } from '../../testing/reference-type1';
import { VENDOR_CONFIGS } from './configs';
import { buildSim } from '../engine/env';
import { finalState } from '../engine/final';
import { materialize } from '../engine/rows';
import { runOp } from '../engine/ops';
import type { Sim } from '../engine/sim';
import { parseProfile } from '../profile';
import { environment } from '../scenario/schema';
import type { VgpuDriver } from './vgpu';

// Every vendor model (KVMGT and the 2016 designs × policy × host IOMMU) under random 4 KiB and 2 MiB
// maps, unmaps and QEMU UNMAP_DMAs, in mdev-only and mixed containers, with two iovas aliasing the same
// guest RAM. type1's side is checked against the page-level reference fed the same type1 calls.

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

/** The host page the device reaches at dma page `dmaPfn`: itself (IOMMU off) or through the vendor's DMA domain. */
function reached(v: VgpuDriver, dmaPfn: number): number {
  return v.dma ? v.dma.domain.iovaToPhysPfn(dmaPfn) : dmaPfn;
}

/** An unmap names a page mapped earlier (`pick` indexes the maps so far) or, with none yet, `gfn`. */
type Op =
  | { op: 'map'; gfn: number; size: '4K' | '2M' }
  | { op: 'unmap'; pick: number; gfn: number; size: '4K' | '2M' }
  | { op: 'unmapDma'; mapping: number | 'all' }
  | { op: 'remapDma'; mapping: number | 'merged' };

const gfn4k = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 31 }) },
  fc.integer({ min: 0, max: 4095 }),
  fc.integer({ min: 0, max: 63 }).map((k) => 0x1000 + k),
  fc.integer({ min: 0, max: 1023 }).map((k) => 0x2000 + k),
  fc.constant(0x3000),
);
const gfn2m = fc.constantFrom(0, 512, 1024, 3584, 0x1000, 0x2000, 0x2200, 0x3000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('map' as const), gfn: gfn4k, size: fc.constant('4K' as const) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('map' as const), gfn: gfn2m, size: fc.constant('2M' as const) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('unmap' as const),
      pick: fc.nat(),
      gfn: fc.oneof(gfn4k, gfn2m),
      size: fc.constantFrom('4K' as const, '2M' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('unmapDma' as const),
      mapping: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('all' as const)),
    }),
  },
  {
    // QEMU maps again what it unmapped, as before or as one slot over the first two: a vendor region left
    // from an unmap with nothing pinned (no dma_unmap came) must give way to the new vfio_dma.
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('remapDma' as const),
      mapping: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constant('merged' as const)),
    }),
  },
);

/**
 * What the vendor should hold, worked out from the ops alone: KVMGT's gvt_dma entries (gfn → pages, kref),
 * or the 4 KiB pages a design tracks. Its pinned pages are what type1's pfn_list must hold.
 */
class Expected {
  readonly entries = new Map<number, { pages: number; kref: number }>();
  readonly tracked = new Set<number>();

  constructor(
    readonly kvmgt: boolean,
    readonly pinAll: boolean,
  ) {}

  map(s: Sim, gfn: number, pages: number, ok: boolean): void {
    if (this.kvmgt) {
      // intel_gvt_dma_map_guest_page: same size → kref_get; another size → the old entry goes first.
      const e = this.entries.get(gfn);
      if (e && e.pages === pages) {
        if (ok) e.kref++;
        return;
      }
      if (e) this.entries.delete(gfn);
      if (ok) this.entries.set(gfn, { pages, kref: 1 });
      return;
    }
    if (!ok) return;
    const dma = s.iommu.dmaList.findDma(gfn, 1)!;
    const [from, n] = this.pinAll ? [dma.iovaPfn, dma.sizePages] : [gfn, pages];
    for (let k = 0; k < n; k++) this.tracked.add(from + k);
  }

  /**
   * Whether the unmap must succeed; applies it. KVMGT unmaps by dma_addr, and with no host IOMMU two gfns
   * backed by one host page share it: the kref put is that of the entry the dma_addr_cache walk meets
   * first, so that walk (over the model's tree, before the op) names the victim.
   */
  unmap(s: Sim, gfn: number, pages: number): boolean {
    if (this.kvmgt) {
      if (!this.entries.has(gfn)) return false;
      const dmaPfn = s.kvmgt!.findGfn(gfn)!.dmaAddr / 4096;
      const victim = (s.kvmgt!.dmaAddrCache.find(dmaPfn)!.data as { gfn: number }).gfn;
      const e = this.entries.get(victim)!;
      if (--e.kref === 0) this.entries.delete(victim);
      return true;
    }
    if (!this.tracked.has(gfn)) return false;
    if (this.pinAll) return true;
    const dma = s.iommu.dmaList.findDma(gfn, 1)!;
    const end = Math.min(gfn + pages, dma.iovaPfn + dma.sizePages);
    for (let g = gfn; g < end; g++) this.tracked.delete(g);
    return true;
  }

  /** The vendor's dma_unmap callback: everything in the range goes, whatever its kref. */
  unmapDma(from: number, pages: number): void {
    for (const g of [...this.entries.keys()]) if (g >= from && g < from + pages) this.entries.delete(g);
    for (const g of [...this.tracked]) if (g >= from && g < from + pages) this.tracked.delete(g);
  }

  count(): number {
    return this.kvmgt ? this.entries.size : this.tracked.size;
  }

  pinned(): number[] {
    const pages = new Set(this.tracked);
    for (const [g, e] of this.entries) for (let k = 0; k < e.pages; k++) pages.add(g + k);
    return [...pages].sort((a, b) => a - b);
  }
}

describe('every vGPU vendor model against type1 and the page-level reference', () => {
  test.prop([fc.constantFrom(...VENDOR_CONFIGS), fc.boolean(), fc.array(opArb, { minLength: 1, maxLength: 20 })], {
    numRuns: 150,
  })(
    'the device reaches the page behind the vaddr; pins follow maps, unmaps and UNMAP_DMA; locked_vm moves as the reference says',
    (cfg, mixed, ops) => {
      const s = modelSim(cfg.vendor, mixed);
      const ref = referenceSim(mixed);
      const v = (s.tracking ?? s.kvmgt)!;
      const expected = new Expected(s.kvmgt !== null, cfg.vendor.policy === 'pin-all');
      const mapped: number[] = [];
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
          if (out.ret === 0) expected.unmapDma(from, pages);
        } else if (o.op === 'remapDma') {
          const m =
            o.mapping === 'merged' ? { vaddrPage: RAM.vaddrPage, iovaPage: 0, npages: 4096 } : MAPPINGS[o.mapping]!;
          const args = { flags: ['READ', 'WRITE'], vaddr: hex(m.vaddrPage * 4096), iova: hex(m.iovaPage * 4096) };
          const out = run(s, 'MAP_DMA', { ...args, size: hex(m.npages * 4096) });
          expect(out.ret).toBe(ref.mapDma(m.vaddrPage * 4096, m.iovaPage * 4096, m.npages * 4096, 3));
        } else {
          const pages = o.size === '2M' ? 512 : 1;
          const gfn = o.op === 'unmap' && mapped.length > 0 ? mapped[o.pick % mapped.length]! : o.gfn;
          const expectedUnmap = o.op === 'unmap' && expected.unmap(s, gfn, pages);
          const out = run(s, o.op === 'map' ? 'VGPU_MAP_GUEST_PAGE' : 'VGPU_UNMAP_GUEST_PAGE', {
            gfn: hex(gfn),
            page_size: o.size,
          });
          if (o.op === 'map' && out.ret === 0) mapped.push(gfn);
          // Feed the reference the type1 calls the vendor made, pins before unpins (their counts commute).
          for (const c of s.iommu.trace.type1Pins) ref.pinPages(c.iovaPfn * 4096, c.npage, 3);
          for (const c of s.iommu.trace.type1Unpins) ref.unpinPages(c.iovaPfn * 4096, c.npage);
          if (o.op === 'map') expected.map(s, gfn, pages, out.ret === 0);
          else expect(out.ret).toBe(expectedUnmap ? 0 : '-EINVAL');
          if (o.op === 'map' && out.ret === 0) {
            const dmaPfn = Number(BigInt(out.dma_addr as string) >> 12n);
            // KVMGT maps a 2 MiB page as one contiguous DMA range; the designs return the first page's address.
            const checked = s.kvmgt ? pages : 1;
            for (let k = 0; k < checked; k++) expect(reached(v, dmaPfn + k)).toBe(behind(s, gfn + k));
          }
          if (o.op === 'map' && out.ret !== 0) {
            // A map fails only if some page is outside every mapping, or (a 2 MiB page) the host pages are not consecutive.
            const all = Array.from({ length: pages }, (_, k) => behind(s, gfn + k));
            const fits = all.every((p, k) => p !== null && p === all[0]! + k);
            const oneDma = s.iommu.dmaList.findDma(gfn, 1)?.iovaPfn ?? -1;
            const inOne = oneDma >= 0 && s.iommu.dmaList.findDma(gfn + pages - 1, 1)?.iovaPfn === oneDma;
            expect(fits && inOne).toBe(false);
          }
        }
        const f = materialize(finalState(s)) as { locked_vm_pages: number; pfn_list: Array<{ iova: string }> };
        const pinned = f.pfn_list.map((p) => Number(BigInt(p.iova) >> 12n)).sort((a, b) => a - b);
        expect(pinned).toEqual(expected.pinned());
        expect(v.entries).toBe(expected.count());
        expect(f.locked_vm_pages - LOCKED_BEFORE).toBe(ref.lockedVm - LOCKED_BEFORE);
        expect(pinned).toEqual(
          ref
            .pfnList()
            .map((p) => p.iova)
            .sort((a, b) => a - b),
        );
      }
    },
  );
});
