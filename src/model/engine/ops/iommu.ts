// Ops that drive the IOMMU core and the VT-d page table directly (case-format.md §2): iommu_map and
// iommu_unmap on the container's first IOMMU domain, and the VT-d entry encoding and table index.

import { z } from 'zod';
import { hex, pfnOf } from '../../addr';
import { kernel } from '../../profile';
import { u64 } from '../../scenario/schema';
import { encodeLeaf, encodeTable, pfnLevelOffset, protToAttr } from '../../iommu/vtd/pte';
import { IOMMU_CACHE, IOMMU_READ, IOMMU_WRITE } from '../../iommu/types';
import { count, prot } from '../args';
import { mapTrace } from '../outputs';
import type { Sim } from '../sim';
import { op, type OpDef } from './registry';

const LEAF_LEVEL = { '4K': 1, '2M': 2, '1G': 3 } as const;

function firstDomain(sim: Sim) {
  const d = sim.iommu.firstDomain;
  if (!d) throw new Error('this op needs an IOMMU-backed group in the environment (env.groups with kind "iommu")');
  return d;
}

export const iommuOps: Record<string, OpDef> = {
  IOMMU_MAP: op({
    entry: 'iommu_map',
    args: z.object({ iova: u64, paddr: u64, size: u64, prot: prot.default(IOMMU_READ | IOMMU_WRITE) }),
    run(sim, a) {
      const d = firstDomain(sim);
      const ret = d.mapBytes(a.iova, a.paddr, a.size, a.prot | IOMMU_CACHE, sim.iommu.trace.mapPages);
      if (ret !== 0)
        sim.iommu.trace.fail(
          ret,
          ret === '-EFAULT'
            ? 'iova + size is beyond the domain width (intel_iommu_map)'
            : 'iommu_map refused the arguments',
        );
      return { ret, map_pages_calls: mapTrace(sim).map_pages_calls, leaf_ptes: d.leafCounts() };
    },
  }),
  IOMMU_UNMAP: op({
    entry: 'iommu_unmap',
    args: z.object({ iova: u64, size: u64 }),
    run(sim, a) {
      const d = firstDomain(sim);
      return { ret: null, unmapped: hex(d.unmapBytes(a.iova, a.size)), leaf_ptes: d.leafCounts() };
    },
  }),
  ENCODE: op({
    entry: 'struct dma_pte (VT-d second level)',
    args: z.object({
      kind: z.enum(['leaf', 'non-leaf']).default('leaf'),
      prot: prot.default(IOMMU_READ | IOMMU_WRITE),
      size: z.enum(['4K', '2M', '1G']).default('4K'),
      snoop: z.boolean().default(false),
      phys: u64.default(0n),
      table_phys: u64.default(0n),
    }),
    run(sim, a) {
      const value =
        a.kind === 'non-leaf'
          ? encodeTable(pfnOf(a.table_phys))
          : encodeLeaf(
              pfnOf(a.phys),
              protToAttr(a.prot, a.snoop),
              LEAF_LEVEL[a.size],
              kernel.vtdLeafForcesBit0(sim.profile),
            );
      return { ret: null, value: hex(value) };
    },
  }),
  INDEX: op({
    entry: 'pfn_level_offset',
    args: z.object({ iova: u64, levels: count.pipe(z.union([z.literal(3), z.literal(4), z.literal(5)])).default(4) }),
    run(_sim, a) {
      const pfn = pfnOf(a.iova);
      const out: Record<string, unknown> = { ret: null };
      for (let l = a.levels; l >= 1; l--) out[`L${l}`] = pfnLevelOffset(pfn, l);
      return out;
    },
  }),
};
