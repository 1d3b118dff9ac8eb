import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { buildSim } from '../../engine/env';
import { finalState } from '../../engine/final';
import { materialize } from '../../engine/rows';
import { runOp } from '../../engine/ops';
import type { Sim } from '../../engine/sim';
import { parseProfile } from '../../profile';
import { environment } from '../../scenario/schema';
import { STRATEGIES } from './memory';

const VADDR = 0x7f0000000000;
const FIRST_PFN = 0x100000;
const REGION_PAGES = 4096; // 16 MiB of guest RAM at gpa 0, mapped by QEMU at iova == gpa

function sim(strategy: string, policy: string, hostIommu: string): Sim {
  const env = environment.parse({
    groups: [{ kind: 'emulated', id: 'vgpu0' }],
    process: { rlimit_memlock_bytes: '0x100000000' },
    memory: [
      {
        name: 'RAM',
        vaddr: '0x' + VADDR.toString(16),
        size: '0x' + (REGION_PAGES * 4096).toString(16),
        first_pfn: '0x' + FIRST_PFN.toString(16),
      },
    ],
    vendor: { kind: 'tracking', strategy, policy, host_iommu: hostIommu },
  });
  return buildSim(env, parseProfile('6.18'));
}

function run(s: Sim, name: string, args: Record<string, unknown>): Record<string, unknown> {
  s.iommu.beginStep();
  return runOp(s, name, args);
}

/** The host page the device reaches at dma_addr: the address itself (IOMMU off) or through the vendor's DMA domain. */
function reached(s: Sim, dmaAddr: string): number {
  const pfn = Number(BigInt(dmaAddr) >> 12n);
  return s.tracking!.dma ? s.tracking!.dma.domain.iovaToPhysPfn(pfn) : pfn;
}

const configs = STRATEGIES.flatMap((strategy) =>
  (['pin-all', 'pin-sparse'] as const).flatMap((policy) =>
    (['off', 'dma'] as const)
      .filter((m) => strategy !== 'iova-range' || m === 'dma')
      .map((hostIommu) => ({ strategy, policy, hostIommu })),
  ),
);

type Op = { op: 'map'; gfn: number } | { op: 'unmap'; gfn: number } | { op: 'unmapDma'; from: number; pages: number };
const gfn = fc.oneof(fc.integer({ min: 0, max: REGION_PAGES - 1 }), fc.integer({ min: 0, max: 31 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('map' as const), gfn }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('unmap' as const), gfn }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('unmapDma' as const),
      from: fc.constantFrom(0, 1024),
      pages: fc.constantFrom(1024, 2048),
    }),
  },
);

describe('vGPU tracking designs under random workloads', () => {
  test.prop([fc.constantFrom(...configs), fc.array(opArb, { minLength: 1, maxLength: 25 })], { numRuns: 120 })(
    'the device reaches the page behind the vaddr; no vfio_pfn outlives an UNMAP_DMA; locked_vm counts distinct pinned pages',
    (cfg, ops) => {
      const s = sim(cfg.strategy, cfg.policy, cfg.hostIommu);
      // QEMU maps guest RAM in two MAP_DMAs (two regions), iova == gpa.
      expect(
        run(s, 'MAP_DMA', { flags: ['READ', 'WRITE'], vaddr: '0x' + VADDR.toString(16), iova: '0x0', size: '0x400000' })
          .ret,
      ).toBe(0);
      expect(
        run(s, 'MAP_DMA', {
          flags: ['READ', 'WRITE'],
          vaddr: '0x' + (VADDR + 0x400000).toString(16),
          iova: '0x400000',
          size: '0xc00000',
        }).ret,
      ).toBe(0);
      const addr = new Map<number, string>();
      for (const o of ops) {
        if (o.op === 'map') {
          const out = run(s, 'VGPU_MAP_GUEST_PAGE', { gfn: o.gfn });
          const mapped = s.iommu.dmaList.findDma(o.gfn, 1);
          if (!mapped) {
            expect(out.ret).toBe('-EINVAL');
            continue;
          }
          expect(out.ret).toBe(0);
          expect(reached(s, out.dma_addr as string)).toBe(FIRST_PFN + o.gfn);
          if (addr.has(o.gfn)) expect(out.dma_addr).toBe(addr.get(o.gfn));
          addr.set(o.gfn, out.dma_addr as string);
        } else if (o.op === 'unmap') {
          const out = run(s, 'VGPU_UNMAP_GUEST_PAGE', { gfn: o.gfn });
          if (out.ret === 0 && cfg.policy === 'pin-sparse') addr.delete(o.gfn);
        } else {
          const out = run(s, 'UNMAP_DMA', {
            iova: '0x' + (o.from * 4096).toString(16),
            size: '0x' + (o.pages * 4096).toString(16),
          });
          if (out.ret !== 0) continue;
          for (const g of [...addr.keys()]) if (g >= o.from && g < o.from + o.pages) addr.delete(g);
          const f = materialize(finalState(s)) as { pfn_list: Array<{ iova: string }> };
          for (const v of f.pfn_list) {
            const page = Number(BigInt(v.iova) >> 12n);
            expect(page < o.from || page >= o.from + o.pages).toBe(true);
          }
        }
        const f = materialize(finalState(s)) as { locked_vm_pages: number; pfn_list: unknown[] };
        expect(f.locked_vm_pages).toBe(f.pfn_list.length);
        for (const [g, a] of addr) expect(reached(s, a)).toBe(FIRST_PFN + g);
      }
    },
  );

  it('pin-all pins a whole region on first touch, in 512-page vfio_pin_pages calls; pin-sparse pins one page', () => {
    const all = sim('flat-array', 'pin-all', 'off');
    run(all, 'MAP_DMA', { flags: ['READ', 'WRITE'], vaddr: '0x' + VADDR.toString(16), iova: '0x0', size: '0x400000' });
    const a = run(all, 'VGPU_MAP_GUEST_PAGE', { gfn: 5 });
    expect([a.pins, a.locked_vm_pages, a.entries, a.tracking_bytes]).toEqual([2, 1024, 1024, 4096]);
    const sparse = sim('per-page-tree', 'pin-sparse', 'dma');
    run(sparse, 'MAP_DMA', {
      flags: ['READ', 'WRITE'],
      vaddr: '0x' + VADDR.toString(16),
      iova: '0x0',
      size: '0x400000',
    });
    const b = run(sparse, 'VGPU_MAP_GUEST_PAGE', { gfn: 5 });
    expect([b.pins, b.locked_vm_pages, b.entries, b.tracking_bytes, b.dma_map_calls, b.dma_addr]).toEqual([
      1,
      1,
      1,
      64,
      1,
      '0xfffff000',
    ]);
  });
});
