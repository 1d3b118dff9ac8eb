// The state after the last step (case-format.md §3), read from the model.

import { hex, hexPage } from '../addr';
import { OUTPUT_ROW_UNITS } from '../budget';
import { RowList } from './rows';
import { kernel } from '../profile';
import { IOMMU_READ, IOMMU_WRITE, leafTotal } from '../iommu/types';
import { describeIovad, type IovadRange } from '../iommu/iova';
import { hostPinTotals } from '../host/pins';
import type { Sim } from './sim';

/** Per-leaf lists are for small cases; past this they are left out (with their count). */
const LEAF_LIST_LIMIT = 65536;

export function protNames(prot: number): string[] {
  const names: string[] = [];
  if (prot & IOMMU_READ) names.push('READ');
  if (prot & IOMMU_WRITE) names.push('WRITE');
  return names;
}

/** Every vfio_pfn of every mapping in iova order, read through one sorted array of iova pages. */
function pfnListRows(sim: Sim): RowList {
  let n = 0;
  for (const d of sim.iommu.dmaList.items) n += d.pfnList.size;
  const keys = new Float64Array(n);
  let k = 0;
  // Mappings are in iova order and never overlap, so sorting each one's keys sorts them all.
  for (const d of sim.iommu.dmaList.items) {
    const from = k;
    for (const v of d.pfnList.values()) keys[k++] = v.iovaPfn;
    keys.subarray(from, k).sort();
  }
  sim.budget.spend(n * OUTPUT_ROW_UNITS, 'reporting pfn_list');
  const vpfn = (i: number) => sim.iommu.dmaList.findDma(keys[i]!, 1)!.pfnList.get(keys[i]!)!;
  return new RowList(
    [
      { key: 'iova', kind: 'page' },
      { key: 'pfn', kind: 'hex' },
      { key: 'ref', kind: 'int' },
    ],
    n,
    (i, c) => (c === 0 ? keys[i]! : c === 1 ? vpfn(i).pfn : vpfn(i).refCount),
  );
}

export function finalState(sim: Sim): Record<string, unknown> {
  const iommu = sim.iommu;
  const out: Record<string, unknown> = {
    dma_avail: kernel.hasDmaAvail(sim.profile) ? iommu.dmaAvail : null,
    locked_vm_pages: sim.mm.lockedVmOut,
    vfio_dma: iommu.dmaList.items.map((d) => ({
      iova: hexPage(d.iovaPfn),
      size: hexPage(d.sizePages),
      vaddr: hexPage(d.vaddrPfn),
      prot: protNames(d.prot),
      iommu_mapped: d.iommuMapped,
      vaddr_invalid: d.vaddrInvalid,
    })),
    pfn_list: pfnListRows(sim),
    vaddr_invalid_count: iommu.vaddrInvalidCount,
    host_pins: hostPinTotals(iommu),
  };
  const first = iommu.firstDomain;
  out.leaf_ptes = first ? first.leafCounts() : null;
  if (first) {
    const counts = first.leafCounts();
    const leaves = leafTotal(counts);
    out.new_table_pages = first.newTablePages;
    if (leaves <= LEAF_LIST_LIMIT) {
      const leaves = first.table.leaves();
      out.leaves = new RowList(
        [
          { key: 'iova', kind: 'page' },
          { key: 'level', kind: 'int' },
          { key: 'value', kind: 'hex' },
        ],
        leaves.length,
        (i, c) => (c === 0 ? leaves[i]!.iovaPfn : c === 1 ? leaves[i]!.level : leaves[i]!.value),
      );
      out.level1_tables = first
        .level1Tables()
        .map((t) => ({ covers: [hex(t.covers[0]), hex(t.covers[1])], used_entries: t.usedEntries }));
    }
  }
  if (sim.kvmgt) out.nr_cache_entries = sim.kvmgt.nrCacheEntries;
  if (sim.tracking) {
    out.tracking_entries = sim.tracking.entries;
    out.tracking_bytes = sim.tracking.trackingSlabBytes();
    out.tracking_sizeof_bytes = sim.tracking.trackingSizeofBytes();
  }
  if (sim.iovad) {
    const d = describeIovad(sim.iovad);
    const range = (r: IovadRange | null) => (r === null ? null : r === 'anchor' ? 'anchor' : [hex(r[0]), hex(r[1])]);
    out.tree = d.tree.map(range);
    out.cached_node = range(d.cachedNode);
    out.cached32_node = range(d.cached32Node);
  }
  return out;
}
