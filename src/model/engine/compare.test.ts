import { describe, expect, it } from 'vitest';
import { compareFile, VENDOR_CONFIGS } from './compare';

const doc = {
  schema: 'vfio-type1-conformance/1',
  environments: {
    vm: {
      groups: [{ kind: 'emulated', id: 'vgpu0' }],
      process: { rlimit_memlock_bytes: '0x10000000' },
      memory: [{ name: 'RAM', vaddr: '0x7f0000000000', size: '0x4000000', first_pfn: '0x100000' }],
    },
  },
  cases: [
    {
      id: 'w',
      env: 'vm',
      steps: [
        { op: 'MAP_DMA', args: { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0x0', size: '0x4000000' } },
        { op: 'VGPU_WORKLOAD', args: { pattern: 'random', ops: 3000, span: 16384, resident: 256, seed: 3 } },
      ],
    },
  ],
};

describe('compare', () => {
  it('runs the scenario under every vendor model with the costs each structure implies', () => {
    const { rows, error } = compareFile(doc);
    expect(error).toBeUndefined();
    expect(rows).toHaveLength(VENDOR_CONFIGS.length);
    expect(rows.every((r) => r.error === null && r.maps > 0)).toBe(true);
    const row = (label: string) => rows.find((r) => r.config === label)!;
    const tree = row('per-page-tree, pin-sparse, host IOMMU off');
    expect(tree.entries).toBe(256);
    expect(tree.tracking_bytes).toBe(256 * 64);
    expect(row('kvmgt (shipped), host IOMMU off').tracking_bytes).toBe(256 * 96);
    // The flat array costs the whole region (16,384 pages × 4 B), pinned pages or not.
    expect(row('flat-array, pin-sparse, host IOMMU off').tracking_bytes).toBe(65536);
    expect(row('flat-array, pin-all, host IOMMU off').tracking_bytes).toBe(65536);
    // pin-all pins the region once (32 calls of 512 pages) and charges all of it.
    expect(row('flat-array, pin-all, host IOMMU off')).toMatchObject({ pins: 32, unpins: 0, locked_vm_pages: 16384 });
    expect(tree.locked_vm_pages).toBe(256);
    // Only the host-IOMMU modes call the DMA API.
    expect(row('per-page-tree, pin-sparse, host IOMMU dma').dma_map_calls).toBe(tree.pins);
    expect(tree.dma_map_calls).toBe(0);
  });
});
