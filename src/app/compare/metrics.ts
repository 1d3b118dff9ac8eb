// The per-step costs the comparison charts, with their labels and units, and the vendor models shown
// for one pinning policy and host-IOMMU mode.

import { VENDOR_CONFIGS, type ComparePoint, type VendorConfig } from '../../model/engine/compare';
import type { HostIommu, Policy } from '../../state/compare';

export type MetricKey = Exclude<keyof ComparePoint, 'x' | 'step'>;

export const METRICS: Array<{ key: MetricKey; label: string; bytes?: boolean }> = [
  { key: 'tracking_bytes', label: 'tracking memory (slab bytes)', bytes: true },
  { key: 'tracking_sizeof_bytes', label: 'tracking memory (sizeof bytes)', bytes: true },
  { key: 'entries', label: 'entries' },
  { key: 'lookup_visits_mean', label: 'lookup cost (nodes or levels visited, mean)' },
  { key: 'pins', label: 'vfio_pin_pages calls' },
  { key: 'unpins', label: 'vfio_unpin_pages calls' },
  { key: 'locked_vm_pages', label: 'locked_vm (pages)' },
  { key: 'iommu_ptes', label: 'IOMMU PTEs in the GPU DMA domain' },
  { key: 'iommu_table_bytes', label: 'IOMMU table bytes of the GPU DMA domain', bytes: true },
];

/** KVMGT (which pins on demand whatever the policy) and each design under the policy, in one host-IOMMU mode. */
export function configsFor(policy: Policy, hostIommu: HostIommu): VendorConfig[] {
  return VENDOR_CONFIGS.filter(
    (c) => c.vendor.host_iommu === hostIommu && (c.vendor.kind === 'kvmgt' || c.vendor.policy === policy),
  );
}

export function formatValue(v: number, bytes = false): string {
  if (!bytes) return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  if (v >= 1 << 30) return `${(v / (1 << 30)).toLocaleString('en-US', { maximumFractionDigits: 2 })} GiB`;
  if (v >= 1 << 20) return `${(v / (1 << 20)).toLocaleString('en-US', { maximumFractionDigits: 2 })} MiB`;
  if (v >= 1 << 10) return `${(v / (1 << 10)).toLocaleString('en-US', { maximumFractionDigits: 1 })} KiB`;
  return `${v} B`;
}
