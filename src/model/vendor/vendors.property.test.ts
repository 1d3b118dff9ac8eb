import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { ReferenceType1, type RefRegion } from '../../testing/reference-type1';
import { VENDOR_CONFIGS } from '../engine/compare';
import { buildSim } from '../engine/env';
import { finalState } from '../engine/final';
import { OPS } from '../engine/ops';
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
  return OPS[name]!.run(s, OPS[name]!.args.parse(args));
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

type Op = { op: 'map' | 'unmap'; gfn: number; size: '4K' | '2M' } | { op: 'unmapDma'; mapping: number | 'all' };

const gfn4k = fc.oneof(
  fc.integer({ min: 0, max: 4095 }),
  fc.integer({ min: 0, max: 63 }).map((k) => 0x1000 + k),
  fc.integer({ min: 0, max: 1023 }).map((k) => 0x2000 + k),
  fc.integer({ min: 0, max: 15 }),
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
);

describe('every vGPU vendor model against type1 and the page-level reference', () => {
  test.prop([fc.constantFrom(...VENDOR_CONFIGS), fc.boolean(), fc.array(opArb, { minLength: 1, maxLength: 20 })], {
    numRuns: 150,
  })(
    'the device reaches the page behind the vaddr; no vfio_pfn outlives an UNMAP_DMA; locked_vm moves as the reference says',
    (cfg, mixed, ops) => {
      const s = modelSim(cfg.vendor, mixed);
      const ref = referenceSim(mixed);
      const v = (s.tracking ?? s.kvmgt)!;
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
          const f = finalState(s) as { pfn_list: Array<{ iova: string }> };
          for (const p of f.pfn_list) {
            const page = Number(BigInt(p.iova) >> 12n);
            expect(page < from || page >= from + pages).toBe(true);
          }
        } else {
          const pages = o.size === '2M' ? 512 : 1;
          const out = run(s, o.op === 'map' ? 'VGPU_MAP_GUEST_PAGE' : 'VGPU_UNMAP_GUEST_PAGE', {
            gfn: hex(o.gfn),
            page_size: o.size,
          });
          // Feed the reference the type1 calls the vendor made, pins before unpins (their counts commute).
          for (const c of s.iommu.trace.type1Pins) ref.pinPages(c.iovaPfn * 4096, c.npage, 3);
          for (const c of s.iommu.trace.type1Unpins) ref.unpinPages(c.iovaPfn * 4096, c.npage);
          if (o.op === 'map' && out.ret === 0) {
            const dmaPfn = Number(BigInt(out.dma_addr as string) >> 12n);
            // KVMGT maps a 2 MiB page as one contiguous DMA range; the designs return the first page's address.
            const checked = s.kvmgt ? pages : 1;
            for (let k = 0; k < checked; k++) expect(reached(v, dmaPfn + k)).toBe(behind(s, o.gfn + k));
          }
          if (o.op === 'map' && out.ret !== 0) {
            // A map fails only if some page is outside every mapping, or (a 2 MiB page) the host pages are not consecutive.
            const all = Array.from({ length: pages }, (_, k) => behind(s, o.gfn + k));
            const fits = all.every((p, k) => p !== null && p === all[0]! + k);
            const oneDma = s.iommu.dmaList.findDma(o.gfn, 1)?.iovaPfn ?? -1;
            const inOne = oneDma >= 0 && s.iommu.dmaList.findDma(o.gfn + pages - 1, 1)?.iovaPfn === oneDma;
            expect(fits && inOne).toBe(false);
          }
        }
        const f = finalState(s) as { locked_vm_pages: number; pfn_list: Array<{ iova: string }> };
        expect(f.locked_vm_pages - LOCKED_BEFORE).toBe(ref.lockedVm - LOCKED_BEFORE);
        expect(f.pfn_list.map((p) => Number(BigInt(p.iova) >> 12n)).sort((a, b) => a - b)).toEqual(
          ref
            .pfnList()
            .map((p) => p.iova)
            .sort((a, b) => a - b),
        );
      }
    },
  );
});
