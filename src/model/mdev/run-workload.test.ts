import { describe, expect, it } from 'vitest';
import { buildSim } from '../engine/env';
import { runOp } from '../engine/ops';
import type { Sim } from '../engine/sim';
import { parseProfile } from '../profile';
import { environment } from '../scenario/schema';

// 256 MiB of guest RAM on 2 MiB huge pages scattered over the host, mapped at iova == gpa.
function vm(vendor: Record<string, string>): Sim {
  const env = environment.parse({
    groups: [{ kind: 'emulated', id: 'vgpu0' }],
    process: { rlimit_memlock_bytes: '0x40000000' },
    memory: [
      {
        name: 'RAM',
        vaddr: '0x7f0000000000',
        size: '0x10000000',
        layout: 'hugepages',
        hugepage: '2M',
        seed: 9,
        first_pfn: '0x100000',
      },
    ],
    vendor,
  });
  const s = buildSim(env, parseProfile('6.18'));
  run(s, 'MAP_DMA', { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0x0', size: '0x10000000' });
  return s;
}

function run(s: Sim, name: string, args: Record<string, unknown>): Record<string, unknown> {
  s.iommu.beginStep();
  return runOp(s, name, args);
}

const workload = (pageSize: '4K' | '2M') => ({
  pattern: 'random',
  page_size: pageSize,
  ops: 300,
  span: 65536,
  resident: 16,
  seed: 4,
});

describe('VGPU_WORKLOAD with 2 MiB pages', () => {
  it('KVMGT keeps one gvt_dma per 2 MiB page, pins it page by page and maps it with one 2 MiB PTE', () => {
    const s = vm({ kind: 'kvmgt', host_iommu: 'dma' });
    const r = run(s, 'VGPU_WORKLOAD', workload('2M'));
    expect(r.ret).toBe(0);
    expect(r.entries).toBe(16);
    expect(r.locked_vm_pages).toBe(16 * 512);
    // gvt_pin_guest_page calls vfio_pin_pages once per 4 KiB page; gvt_unpin_guest_page once per entry.
    expect(r.pins).toBe((r.maps as number) * 512);
    expect(r.unpins).toBe(r.unmaps);
    expect(r.dma_map_calls).toBe(r.maps);
    expect(s.kvmgt!.dma!.domain.leafCounts()).toEqual({ '4K': 0, '2M': 16, '1G': 0 });
  });

  it('the 2016 designs track a 2 MiB page as 512 entries pinned in one vfio_pin_pages call', () => {
    const s = vm({ kind: 'tracking', strategy: 'per-page-tree', policy: 'pin-sparse', host_iommu: 'dma' });
    const r = run(s, 'VGPU_WORKLOAD', workload('2M'));
    expect(r.ret).toBe(0);
    expect(r.entries).toBe(16 * 512);
    expect(r.tracking_bytes).toBe(16 * 512 * 64);
    // One vfio_pin_pages call per 2 MiB map and one vfio_unpin_pages per 2 MiB unmap, as pinned.
    expect(r.pins).toBe(r.maps);
    expect(r.unpins).toBe(r.unmaps);
    expect(r.dma_map_calls).toBe((r.maps as number) * 512);
    expect(s.tracking!.dma!.domain.leafCounts()).toEqual({ '4K': 16 * 512, '2M': 0, '1G': 0 });
  });

  it('a span without a whole 2 MiB page is refused with a message', () => {
    const s = vm({ kind: 'kvmgt', host_iommu: 'off' });
    expect(() => run(s, 'VGPU_WORKLOAD', { ...workload('2M'), from_gfn: '0x1', span: 600 })).toThrow(
      /no whole 2M page/,
    );
  });

  it('stays inside a span of one 2 MiB page, whatever the pattern and however many may be resident', () => {
    for (const pattern of ['sequential', 'random', 'hot-cold', 'gtt-churn']) {
      const s = vm({ kind: 'kvmgt', host_iommu: 'off' });
      const r = run(s, 'VGPU_WORKLOAD', { ...workload('2M'), pattern, span: 512, resident: 2 ** 34 });
      expect(r.ret).toBe(0);
      expect([r.maps, r.entries, r.locked_vm_pages]).toEqual([1, 1, 512]);
    }
  });
});
