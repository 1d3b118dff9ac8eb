// The vendor models the page and `compare` offer (KVMGT as shipped, and the four 2016 designs under each
// pinning policy and host-IOMMU mode), and the ops that drive them: plain data, no schema and no
// engine, so the page's main bundle can name the models without carrying the simulator.

export const VGPU_OPS: ReadonlySet<string> = new Set(['VGPU_MAP_GUEST_PAGE', 'VGPU_UNMAP_GUEST_PAGE', 'VGPU_WORKLOAD']);

export interface VendorConfig {
  label: string;
  vendor: Record<string, string>;
}

export const VENDOR_CONFIGS: VendorConfig[] = [
  ...(['off', 'dma'] as const).map((m) => ({
    label: `kvmgt (shipped), host IOMMU ${m}`,
    vendor: { kind: 'kvmgt', host_iommu: m },
  })),
  ...(['per-page-tree', 'iova-range', 'region-table', 'flat-array'] as const).flatMap((strategy) =>
    (['pin-sparse', 'pin-all'] as const).flatMap((policy) =>
      (['off', 'dma'] as const)
        .filter((m) => strategy !== 'iova-range' || m === 'dma')
        .map((m) => ({
          label: `${strategy}, ${policy}, host IOMMU ${m}`,
          vendor: { kind: 'tracking', strategy, policy, host_iommu: m },
        })),
    ),
  ),
];

/** The vendor model of that label, or undefined. */
export function vendorConfig(label: string | null): VendorConfig | undefined {
  return VENDOR_CONFIGS.find((c) => c.label === label);
}

/** What a request naming an unknown vendor model is told. */
export const noSuchVendor = (label: string): string => `there is no vendor model "${label}"`;

/** The same file with every case's vendor driver replaced (an env_overrides entry, so the file stays valid). */
export function withVendor(doc: unknown, vendor: Record<string, string>): unknown {
  const file = doc as { cases?: unknown } | null;
  if (!file || !Array.isArray(file.cases)) return doc;
  return {
    ...file,
    // A case that is not an object stays as it is, for the runner to refuse.
    cases: (file.cases as unknown[]).map((c) =>
      c && typeof c === 'object' && !Array.isArray(c)
        ? {
            ...c,
            env_overrides: { ...(((c as { env_overrides?: unknown }).env_overrides as object) ?? {}), vendor },
          }
        : c,
    ),
  };
}

/** Whether a case runs the vendor model at all (only those cases differ between vendor models). */
export function usesVgpu(steps: Array<{ op: string }>): boolean {
  return steps.some((s) => VGPU_OPS.has(s.op));
}
