// `compare`: the same scenario under every vGPU vendor model — KVMGT as shipped and the four 2016
// designs with each pinning policy and host-IOMMU mode — with the costs side by side.

import { VENDOR_CONFIGS, VGPU_OPS, withVendor, type VendorConfig } from '../mdev/configs';
import { RunTally } from '../budget';
import { runFile } from './run';
import type { WorkloadSample } from '../mdev/run-workload';
import type { RunOptions, StepResult } from './types';

/** One point of a vendor model's costs along the case: after `x` guest-page accesses (step `step`). */
export type ComparePoint = Omit<WorkloadSample, 'access'> & { x: number; step: number };

export interface CompareRow {
  case: string;
  config: string;
  error: string | null;
  maps: number;
  pins: number;
  unpins: number;
  dma_map_calls: number;
  iommu_map_calls: number;
  lookup_visits_mean: number;
  lookup_visits_max: number;
  entries: number;
  tracking_bytes: number;
  tracking_sizeof_bytes: number;
  iommu_ptes: number;
  iommu_table_bytes: number;
  peak_tracking_bytes: number;
  /** type1's struct vfio_pfn objects for the pages the vendor pinned (slab bytes). */
  vfio_pfn_bytes: number;
  /** All the kernel holds for the vGPU's DMA: tracking + vfio_pfn + the GPU DMA domain's tables. */
  total_bytes: number;
  /** Lookups and nodes visited by the vendor's dma_unmap callback over the case's UNMAP_DMAs. */
  notifier_lookups: number;
  notifier_lookup_visits: number;
  locked_vm_pages: number;
  series: ComparePoint[];
}

function summarize(
  caseId: string,
  config: string,
  steps: StepResult[],
  final: Record<string, unknown>,
  error?: string,
): CompareRow {
  const row: CompareRow = {
    case: caseId,
    config,
    error: error ?? null,
    maps: 0,
    pins: 0,
    unpins: 0,
    dma_map_calls: 0,
    iommu_map_calls: 0,
    lookup_visits_mean: 0,
    lookup_visits_max: 0,
    entries: 0,
    tracking_bytes: 0,
    tracking_sizeof_bytes: 0,
    iommu_ptes: 0,
    iommu_table_bytes: 0,
    peak_tracking_bytes: 0,
    vfio_pfn_bytes: 0,
    total_bytes: 0,
    notifier_lookups: 0,
    notifier_lookup_visits: 0,
    locked_vm_pages: Number(final.locked_vm_pages ?? 0),
    series: [],
  };
  let visits = 0;
  let x = 0;
  for (const [step, s] of steps.entries()) {
    const n = (k: string) => Number(s[k] ?? 0);
    if (s.op === 'UNMAP_DMA') {
      row.notifier_lookups += n('notifier_lookups');
      row.notifier_lookup_visits += n('notifier_lookup_visits');
    }
    if (!VGPU_OPS.has(s.op) || s.skipped) continue;
    const before = { pins: row.pins, unpins: row.unpins };
    row.pins += n('pins');
    row.unpins += n('unpins');
    row.dma_map_calls += n('dma_map_calls');
    row.iommu_map_calls += n('iommu_map_calls');
    row.entries = n('entries');
    row.tracking_bytes = n('tracking_bytes');
    row.tracking_sizeof_bytes = n('tracking_sizeof_bytes');
    row.iommu_ptes = n('iommu_ptes');
    row.iommu_table_bytes = n('iommu_table_bytes');
    row.vfio_pfn_bytes = n('vfio_pfn_bytes');
    row.total_bytes = n('total_bytes');
    row.peak_tracking_bytes = Math.max(row.peak_tracking_bytes, n('peak_tracking_bytes'), n('tracking_bytes'));
    if (s.op === 'VGPU_WORKLOAD') {
      visits += n('lookup_visits_mean') * (n('maps') + n('errors'));
      row.maps += n('maps') + n('errors');
      row.lookup_visits_max = Math.max(row.lookup_visits_max, n('lookup_visits_max'));
      const series = (s.series as WorkloadSample[] | undefined) ?? [];
      for (const { access, ...p } of series) {
        row.series.push({ x: x + access, step, ...p, pins: before.pins + p.pins, unpins: before.unpins + p.unpins });
      }
      x += series.at(-1)?.access ?? 0;
      continue;
    }
    if (s.op === 'VGPU_MAP_GUEST_PAGE') {
      visits += n('lookup_visits');
      row.maps++;
      row.lookup_visits_max = Math.max(row.lookup_visits_max, n('lookup_visits'));
    }
    x++;
    row.series.push({
      x,
      step,
      entries: row.entries,
      tracking_bytes: row.tracking_bytes,
      tracking_sizeof_bytes: row.tracking_sizeof_bytes,
      iommu_ptes: row.iommu_ptes,
      iommu_table_bytes: row.iommu_table_bytes,
      vfio_pfn_bytes: row.vfio_pfn_bytes,
      total_bytes: row.total_bytes,
      pins: row.pins,
      unpins: row.unpins,
      locked_vm_pages: n('locked_vm_pages'),
      lookup_visits_mean: n('lookup_visits'),
    });
  }
  row.lookup_visits_mean = row.maps > 0 ? Math.round((visits / row.maps) * 100) / 100 : 0;
  return row;
}

/** Runs every case of the file under one vendor configuration (its env's vendor replaced): one row per case. */
export function compareConfig(
  doc: unknown,
  cfg: VendorConfig,
  opts: RunOptions = {},
): { rows: CompareRow[]; error?: string } {
  const file = doc as { cases?: Array<Record<string, unknown>> } | null;
  if (!file || !Array.isArray(file.cases)) return { rows: [], error: 'not a case file (no "cases" list)' };
  const res = runFile(withVendor(file, cfg.vendor), opts);
  if (res.error) return { rows: [], error: res.error };
  return { rows: res.cases.map((c) => summarize(c.id, cfg.label, c.steps, c.final, c.error)) };
}

/** Runs every case of the file once per vendor configuration. */
export function compareFile(doc: unknown, opts: RunOptions = {}): { rows: CompareRow[]; error?: string } {
  const rows: CompareRow[] = [];
  // One bound for the whole comparison: sixteen models must not cost sixteen runs' worth.
  const shared = { ...opts, tally: opts.tally ?? new RunTally(opts.runBudget) };
  for (const cfg of VENDOR_CONFIGS) {
    const r = compareConfig(doc, cfg, shared);
    if (r.error) return { rows: [], error: r.error };
    rows.push(...r.rows);
  }
  return { rows };
}
