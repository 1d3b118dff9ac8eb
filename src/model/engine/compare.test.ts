import { describe, expect, it } from 'vitest';
import { VENDOR_CONFIGS, withVendor } from '../mdev/configs';
import { runFile } from './run';
import { compareFile } from './compare';

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

  it('counts sizeof beside the slab footprint and the GPU DMA domain beside the tracking structure', () => {
    const { rows } = compareFile(doc);
    const row = (label: string) => rows.find((r) => r.config === label)!;
    expect(row('kvmgt (shipped), host IOMMU off')).toMatchObject({ tracking_sizeof_bytes: 256 * 88, iommu_ptes: 0 });
    expect(row('per-page-tree, pin-sparse, host IOMMU off').tracking_sizeof_bytes).toBe(256 * 40);
    const dma = row('kvmgt (shipped), host IOMMU dma');
    // One 4 KiB PTE per resident page, and at least the top-level table page plus one leaf table.
    expect(dma.iommu_ptes).toBe(256);
    expect(dma.iommu_table_bytes).toBeGreaterThanOrEqual(2 * 4096);
    expect(dma.tracking_bytes).toBe(256 * 96);
    // iova-range's tracking structure is the VT-d table itself, plus one struct iova for the region.
    const range = row('iova-range, pin-sparse, host IOMMU dma');
    expect(range.tracking_bytes).toBe(range.iommu_table_bytes + 64);
  });

  it("counts type1's vfio_pfn per pinned page, the iommu_map under every dma_map_page, and a total of it all", () => {
    const { rows } = compareFile(doc);
    const row = (label: string) => rows.find((r) => r.config === label)!;
    const dma = row('kvmgt (shipped), host IOMMU dma');
    // Every dma_map_page that got an iova maps it with one iommu_map.
    expect(dma.iommu_map_calls).toBe(dma.dma_map_calls);
    expect(dma.dma_map_calls).toBeGreaterThan(0);
    for (const r of rows) {
      // One struct vfio_pfn (kmalloc-64) per page type1 holds pinned for the vendor: locked_vm counts them too.
      expect(r.vfio_pfn_bytes).toBe(r.locked_vm_pages * 64);
      const tables = r.config.startsWith('iova-range') ? 0 : r.iommu_table_bytes;
      expect(r.total_bytes).toBe(r.tracking_bytes + r.vfio_pfn_bytes + tables);
    }
  });

  it('with remap_resident, KVMGT takes a kref for a page mapped again; a design without refcounts drops it early', () => {
    const remap = structuredClone(doc);
    (remap.cases[0]!.steps[1]!.args as Record<string, unknown>).remap_resident = true;
    const { rows } = compareFile(remap);
    const row = (label: string) => rows.find((r) => r.config === label)!;
    const kvmgt = row('kvmgt (shipped), host IOMMU off');
    // More mappings than pages: each gvt_dma holds a kref per mapping, and the cache never refuses an unmap.
    expect(kvmgt.maps).toBe(3000);
    expect(kvmgt.entries).toBeLessThan(256);
    expect(kvmgt.maps).toBe(row('per-page-tree, pin-sparse, host IOMMU off').maps);
    const step = (vendor: Record<string, string>) => runFile(withVendor(remap, vendor)).cases[0]!.steps[1]!;
    expect(step({ kind: 'kvmgt', host_iommu: 'off' })).toMatchObject({ ret: 0, unmap_errors: 0 });
    // The per-page tree unpins a page at its first unmap although a second mapping still uses it; the
    // second unmap then finds nothing to drop.
    const designs = step({ kind: 'tracking', strategy: 'per-page-tree', policy: 'pin-sparse', host_iommu: 'off' });
    expect(designs.unmap_errors).toBeGreaterThan(0);
  });

  it('charts each vendor model along the workload: sampled points ending at the final counters', () => {
    const { rows } = compareFile(doc);
    for (const r of rows) {
      expect(r.series.length).toBeGreaterThan(10);
      expect(r.series.length).toBeLessThanOrEqual(65);
      const last = r.series.at(-1)!;
      expect(last).toMatchObject({ x: 3000, step: 1, entries: r.entries, tracking_bytes: r.tracking_bytes });
      expect(last.pins).toBe(r.pins);
      expect(last.locked_vm_pages).toBe(r.locked_vm_pages);
      for (let i = 1; i < r.series.length; i++) {
        expect(r.series[i]!.x).toBeGreaterThan(r.series[i - 1]!.x);
        expect(r.series[i]!.pins).toBeGreaterThanOrEqual(r.series[i - 1]!.pins);
      }
    }
  });
});
