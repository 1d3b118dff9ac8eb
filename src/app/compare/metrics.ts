// The per-step costs the comparison charts, with their labels and units, and the vendor models shown
// for one pinning policy and host-IOMMU mode.

import type { CompareRow } from '../../model/engine/compare';
import { VENDOR_CONFIGS, type VendorConfig } from '../../model/mdev/configs';
import type { HostIommu, MetricKey, Policy } from '../../state/compare';

interface Cost {
  key: keyof CompareRow;
  /** Column heading in the cost table. */
  short: string;
  /** The chart's name for it, for the costs that are sampled along the case. */
  chart?: string;
  bytes?: boolean;
}

/** Every cost a row carries, in table order. */
export const COSTS: Cost[] = [
  { key: 'maps', short: 'maps' },
  { key: 'pins', short: 'pin calls', chart: 'vfio_pin_pages calls' },
  { key: 'unpins', short: 'unpin calls', chart: 'vfio_unpin_pages calls' },
  { key: 'dma_map_calls', short: 'dma_map_page' },
  { key: 'iommu_map_calls', short: 'iommu_map' },
  { key: 'lookup_visits_mean', short: 'lookup mean', chart: 'lookup cost (nodes or levels visited, mean)' },
  { key: 'lookup_visits_max', short: 'lookup max' },
  { key: 'entries', short: 'entries', chart: 'entries' },
  { key: 'tracking_bytes', short: 'slab', chart: 'tracking memory (slab bytes)', bytes: true },
  { key: 'tracking_sizeof_bytes', short: 'sizeof', chart: 'tracking memory (sizeof bytes)', bytes: true },
  { key: 'peak_tracking_bytes', short: 'peak slab', bytes: true },
  { key: 'vfio_pfn_bytes', short: 'vfio_pfn', chart: "type1's vfio_pfn objects (slab bytes)", bytes: true },
  { key: 'total_bytes', short: 'total', chart: 'all kernel memory for the vGPU DMA (bytes)', bytes: true },
  { key: 'iommu_ptes', short: 'IOMMU PTEs', chart: 'IOMMU PTEs in the GPU DMA domain' },
  { key: 'iommu_table_bytes', short: 'IOMMU tables', chart: 'IOMMU table bytes of the GPU DMA domain', bytes: true },
  { key: 'notifier_lookups', short: 'unmap lookups' },
  { key: 'notifier_lookup_visits', short: 'unmap visits' },
  { key: 'locked_vm_pages', short: 'locked_vm', chart: 'locked_vm (pages)' },
];

/** The costs the chart can show, slab bytes first. */
export const METRICS = COSTS.filter((c) => c.chart)
  .map((c) => ({ key: c.key as MetricKey, label: c.chart!, bytes: c.bytes }))
  .sort((a, b) => Number(b.key === 'tracking_bytes') - Number(a.key === 'tracking_bytes'));

/** KVMGT (which pins on demand whatever the policy) and each design under the policy, in one host-IOMMU mode. */
export function configsFor(policy: Policy, hostIommu: HostIommu): VendorConfig[] {
  return VENDOR_CONFIGS.filter(
    (c) => c.vendor.host_iommu === hostIommu && (c.vendor.kind === 'kvmgt' || c.vendor.policy === policy),
  );
}

const BYTE_UNITS = [
  { name: 'GiB', size: 2 ** 30 },
  { name: 'MiB', size: 2 ** 20 },
  { name: 'KiB', size: 2 ** 10 },
  { name: 'B', size: 1 },
];

/** The binary unit to show a byte count in: the largest that keeps it at least 1. */
export function byteUnit(bytes: number): { name: string; size: number } {
  return BYTE_UNITS.find((u) => bytes >= u.size) ?? BYTE_UNITS.at(-1)!;
}

export function formatValue(v: number, bytes = false): string {
  if (!bytes) return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  const u = byteUnit(v);
  return `${(v / u.size).toLocaleString('en-US', { maximumFractionDigits: u.size === 2 ** 10 ? 1 : 2 })} ${u.name}`;
}
