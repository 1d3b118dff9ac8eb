import { describe, expect, it } from 'vitest';
import { buildSim } from '../../engine/env';
import { finalState } from '../../engine/final';
import { materialize } from '../../engine/rows';
import { runOp } from '../../engine/ops';
import type { Sim } from '../../engine/sim';
import { parseProfile } from '../../profile';
import { environment } from '../../scenario/schema';

function vm(vendor: Record<string, string>, rlimitPages: number): Sim {
  const env = environment.parse({
    groups: [{ kind: 'emulated', id: 'vgpu0' }],
    process: { rlimit_memlock_bytes: '0x' + (rlimitPages * 4096).toString(16) },
    memory: [{ name: 'RAM', vaddr: '0x7f0000000000', size: '0x1000000', first_pfn: '0x100000' }],
    vendor,
  });
  return buildSim(env, parseProfile('6.18'));
}

function run(s: Sim, name: string, args: Record<string, unknown>): Record<string, unknown> {
  s.iommu.beginStep();
  return runOp(s, name, args);
}

const MAP = (iova: string, size: string) => ({ flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova, size });

describe('tracking designs on failure and across QEMU remaps', () => {
  it('pin-all that runs out of RLIMIT_MEMLOCK part way unpins what it pinned, and can be unmapped cleanly', () => {
    const s = vm({ kind: 'tracking', strategy: 'per-page-tree', policy: 'pin-all', host_iommu: 'off' }, 600);
    expect(run(s, 'MAP_DMA', MAP('0x0', '0x400000')).ret).toBe(0);
    for (const gfn of ['0x0', '0x300']) {
      const r = run(s, 'VGPU_MAP_GUEST_PAGE', { gfn });
      expect(r.ret).toBe('-ENOMEM');
      expect([r.entries, r.locked_vm_pages, r.tracking_bytes]).toEqual([0, 0, 0]);
    }
    expect(run(s, 'UNMAP_DMA', { iova: '0x0', size: '0x400000' }).ret).toBe(0);
    expect((materialize(finalState(s)) as { pfn_list: unknown[] }).pfn_list).toEqual([]);
  });

  it('a region whose vfio_dma went away with nothing pinned is replaced by the new mapping on next touch', () => {
    const s = vm({ kind: 'tracking', strategy: 'flat-array', policy: 'pin-sparse', host_iommu: 'off' }, 4096);
    run(s, 'MAP_DMA', MAP('0x0', '0x400000'));
    expect(run(s, 'VGPU_MAP_GUEST_PAGE', { gfn: '0x0' }).ret).toBe(0);
    expect(run(s, 'VGPU_UNMAP_GUEST_PAGE', { gfn: '0x0' }).ret).toBe(0);
    // No page pinned, so type1 does not call dma_unmap: the vendor still holds the 1,024-page region.
    expect(run(s, 'UNMAP_DMA', { iova: '0x0', size: '0x400000' }).ret).toBe(0);
    run(s, 'MAP_DMA', MAP('0x0', '0x800000'));
    const r = run(s, 'VGPU_MAP_GUEST_PAGE', { gfn: '0x5dc' });
    expect(r.ret).toBe(0);
    // The flat array now covers the new 2,048-page mapping.
    expect(r.tracking_bytes).toBe(2048 * 4);
    expect(run(s, 'UNMAP_DMA', { iova: '0x0', size: '0x800000' }).ret).toBe(0);
    expect((materialize(finalState(s)) as { pfn_list: unknown[]; locked_vm_pages: number }).locked_vm_pages).toBe(0);
  });

  it('a 2 MiB page past the end of its vfio_dma is refused without registering anything', () => {
    const s = vm({ kind: 'tracking', strategy: 'flat-array', policy: 'pin-sparse', host_iommu: 'off' }, 4096);
    run(s, 'MAP_DMA', MAP('0x0', '0x100000'));
    const r = run(s, 'VGPU_MAP_GUEST_PAGE', { gfn: '0x0', page_size: '2M' });
    expect(r.ret).toBe('-EINVAL');
    expect(r.tracking_bytes).toBe(0);
  });

  it('pinning more than the model holds (4,194,304 pages at once) stops the step with a message, not the tab', () => {
    const env = environment.parse({
      groups: [{ kind: 'emulated', id: 'vgpu0' }],
      process: { rlimit_memlock_bytes: '0x1000000000' },
      memory: [
        {
          name: 'RAM',
          vaddr: '0x7f0000000000',
          size: '0x500000000',
          layout: 'hugepages',
          hugepage: '1G',
          seed: 1,
          first_pfn: '0x100000',
        },
      ],
      vendor: { kind: 'tracking', strategy: 'flat-array', policy: 'pin-all', host_iommu: 'off' },
    });
    const s = buildSim(env, parseProfile('6.18'));
    run(s, 'MAP_DMA', MAP('0x0', '0x500000000'));
    expect(() => run(s, 'VGPU_MAP_GUEST_PAGE', { gfn: '0x5' })).toThrow(/holds at most 4,194,304/);
  });
});
