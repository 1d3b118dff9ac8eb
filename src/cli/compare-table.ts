// The plain-text table `vgpu-dma-sim compare` prints: one block per case, one row per vendor model.
import type { CompareRow } from '../model/engine/compare';
import { costFormulas, IOVA_FREEING, TRACKING_FORMULAS } from '../model/mdev/tracking/structs';

const COLS: Array<[keyof CompareRow, string]> = [
  ['maps', 'maps'],
  ['pins', 'pin calls'],
  ['unpins', 'unpin calls'],
  ['dma_map_calls', 'dma_map'],
  ['iommu_map_calls', 'iommu_map'],
  ['lookup_visits_mean', 'lookup mean'],
  ['lookup_visits_max', 'lookup max'],
  ['entries', 'entries'],
  ['tracking_bytes', 'slab bytes'],
  ['tracking_sizeof_bytes', 'sizeof bytes'],
  ['iommu_ptes', 'IOMMU PTEs'],
  ['iommu_table_bytes', 'IOMMU tables'],
  ['peak_tracking_bytes', 'peak bytes'],
  ['vfio_pfn_bytes', 'vfio_pfn'],
  ['total_bytes', 'total bytes'],
  ['notifier_lookups', 'unmap lookups'],
  ['notifier_lookup_visits', 'unmap visits'],
  ['locked_vm_pages', 'locked_vm'],
];

export function compareTable(rows: CompareRow[]): string {
  const out: string[] = [];
  for (const caseId of [...new Set(rows.map((r) => r.case))]) {
    const mine = rows.filter((r) => r.case === caseId);
    const width = Math.max(...mine.map((r) => r.config.length), 6);
    out.push(`case ${caseId}`);
    out.push(['vendor model'.padEnd(width), ...COLS.map(([, h]) => h.padStart(12))].join(' '));
    for (const r of mine) {
      if (r.error) out.push(`${r.config.padEnd(width)} error: ${r.error}`);
      else out.push([r.config.padEnd(width), ...COLS.map(([k]) => String(r[k]).padStart(12))].join(' '));
    }
    out.push('');
  }
  out.push('How the bytes are counted (x86-64; slab = the object size of the cache it lives in):');
  for (const f of costFormulas()) out.push(`  ${f}`);
  for (const [what, f] of TRACKING_FORMULAS) out.push(`  ${what}: ${f}`);
  out.push(`  ${IOVA_FREEING}.`);
  out.push('');
  return out.join('\n');
}
