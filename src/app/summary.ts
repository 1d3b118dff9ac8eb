// One line per step for the results table: the outputs a kernel developer looks at first, per op.

import type { StepResult } from '../model/engine/types';

const KEYS: Record<string, string[]> = {
  MAP_DMA: ['pin_chunk_count', 'iommu_map_call_count', 'locked_vm_pages'],
  UNMAP_DMA: ['size', 'vendor_callback_count', 'locked_vm_pages'],
  PIN_PAGES: ['pfns', 'locked_vm_pages'],
  PIN_PAGES_OLD: ['phys_pfn', 'locked_vm_pages'],
  UNPIN_PAGES: ['pfn_list_ref', 'locked_vm_pages'],
  ATTACH_GROUP: ['locked_vm_pages'],
  DETACH_GROUP: ['locked_vm_pages'],
  GET_INFO: ['flags', 'iova_pgsizes', 'argsz_out'],
  IOMMU_MAP: ['leaf_ptes'],
  IOMMU_UNMAP: ['unmapped'],
  ENCODE: ['value'],
  ALLOC_IOVA: ['pfn_lo', 'pfn_hi'],
  ALLOC_IOVA_FAST: ['pfn', 'allocated_len'],
  FREE_IOVA_FAST: ['cached'],
  KVMGT_MAP_GUEST_PAGE: ['dma_addr', 'kref', 'nr_cache_entries'],
  KVMGT_UNMAP_GUEST_PAGE: ['kref', 'nr_cache_entries'],
  VGPU_MAP_GUEST_PAGE: ['dma_addr', 'entries', 'tracking_bytes', 'lookup_visits'],
  VGPU_UNMAP_GUEST_PAGE: ['entries', 'tracking_bytes'],
  VGPU_WORKLOAD: [
    'maps',
    'pins',
    'unpins',
    'dma_map_calls',
    'entries',
    'tracking_bytes',
    'lookup_visits_mean',
    'locked_vm_pages',
  ],
};

function show(v: unknown): string {
  if (Array.isArray(v))
    return v.length > 4
      ? `[${v.slice(0, 4).map(show).join(', ')}, … ${v.length} in all]`
      : `[${v.map(show).join(', ')}]`;
  if (v && typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${k} ${show(x)}`)
      .join(', ');
  return String(v);
}

export function stepSummary(step: StepResult): string {
  if (step.skipped) return `not run (${step.skipped})`;
  if (step.sim_error) return step.sim_error;
  const keys = KEYS[step.op] ?? [];
  return keys
    .filter((k) => step[k] !== undefined && step[k] !== null)
    .map((k) => `${k} ${show(step[k])}`)
    .join(' · ');
}

export function stepReason(step: StepResult): string | null {
  const explain = step.explain as { reason?: string | null } | undefined;
  return explain?.reason ?? null;
}
