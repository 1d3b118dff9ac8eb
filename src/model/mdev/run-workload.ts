// Drives a vGPU vendor model with a workload: each access maps the page if it is not resident (or maps it
// again, as a second shadow PTE would, when remapResident is set); past the resident limit the oldest
// mapping is unmapped first (FIFO, like a GPU recycling GTT entries). Costs are
// summed over the accesses, lookups as mean and max nodes or levels visited per access, and sampled
// along the way (at most SAMPLES points) so the page can chart how each design grows.

import { WORKLOAD_ACCESS_UNITS } from '../budget';
import type { Sim } from '../engine/sim';
import { PageBits } from '../lib/page-bits';
import { dmaCosts, totalBytes, vfioPfnCosts, type VgpuDriver } from './vgpu';
import { accessStream, type WorkloadSpec } from './workload';

/** Points a workload's series holds at most (plus its last access). */
export const SAMPLES = 64;

/** The vendor's state after `access` accesses of the workload; lookups are the mean since the last sample. */
export interface WorkloadSample {
  access: number;
  entries: number;
  tracking_bytes: number;
  tracking_sizeof_bytes: number;
  iommu_ptes: number;
  iommu_table_bytes: number;
  vfio_pfn_bytes: number;
  total_bytes: number;
  pins: number;
  unpins: number;
  locked_vm_pages: number;
  lookup_visits_mean: number;
}

export interface WorkloadResult {
  maps: number;
  unmaps: number;
  errors: number;
  /** Unmaps the vendor refused: a design without refcounts has already dropped a page mapped twice. */
  unmap_errors: number;
  pins: number;
  unpins: number;
  dma_map_calls: number;
  iommu_map_calls: number;
  lookup_visits_mean: number;
  lookup_visits_max: number;
  entries: number;
  tracking_bytes: number;
  tracking_sizeof_bytes: number;
  peak_tracking_bytes: number;
  series: WorkloadSample[];
}

export function runWorkload(sim: Sim, v: VgpuDriver, w: WorkloadSpec): WorkloadResult {
  // The stream picks mapping units: 4 KiB pages, or the whole 2 MiB pages inside the span.
  const unit = w.pageSize === '2M' ? 512 : 1;
  const base = Math.ceil(w.fromGfn / unit) * unit;
  const units = Math.floor((w.fromGfn + w.span - base) / unit);
  if (units < 1) throw new Error(`the span holds no whole ${w.pageSize} page`);
  const nextUnit = accessStream({ ...w, fromGfn: 0, span: units });
  const gfnOf = (u: number) => base + u * unit;
  // Which units are resident, and the live mappings oldest first (a ring).
  const resident = new PageBits(units);
  // Without remapping, more mappings than the span holds can never be live at once.
  const fifo = new Float64Array(Math.max(1, w.remapResident ? w.resident : Math.min(w.resident, units)));
  // The DMA address each mapping was given: the device unmaps with it, as GVT's shadow PTEs do.
  const fifoDma = new Float64Array(fifo.length);
  // Mappings of a unit beyond its first (remapResident only).
  const extra = new Map<number, number>();
  let head = 0;
  let live = 0;
  const r: WorkloadResult = {
    maps: 0,
    unmaps: 0,
    errors: 0,
    unmap_errors: 0,
    pins: 0,
    unpins: 0,
    dma_map_calls: 0,
    iommu_map_calls: 0,
    lookup_visits_mean: 0,
    lookup_visits_max: 0,
    entries: 0,
    tracking_bytes: 0,
    tracking_sizeof_bytes: 0,
    peak_tracking_bytes: v.trackingSlabBytes(),
    series: [],
  };
  let visits = 0;
  const every = Math.max(1, Math.ceil(w.ops / SAMPLES));
  let windowVisits = 0;
  let windowMaps = 0;
  const sample = (access: number) => {
    r.series.push({
      access,
      entries: v.entries,
      tracking_bytes: v.trackingSlabBytes(),
      tracking_sizeof_bytes: v.trackingSizeofBytes(),
      ...dmaCosts(v),
      vfio_pfn_bytes: vfioPfnCosts(sim.iommu).vfio_pfn_bytes,
      total_bytes: totalBytes(sim.iommu, v),
      pins: r.pins,
      unpins: r.unpins,
      locked_vm_pages: sim.mm.lockedVm,
      lookup_visits_mean: windowMaps > 0 ? Math.round((windowVisits / windowMaps) * 100) / 100 : 0,
    });
    windowVisits = windowMaps = 0;
  };
  const add = () => {
    r.pins += v.step.pins;
    r.unpins += v.step.unpins;
    r.dma_map_calls += v.step.dmaMapCalls;
    r.iommu_map_calls += v.step.iommuMapCalls;
  };
  let i = 0;
  for (; i < w.ops; i++) {
    if (i > 0 && i % every === 0) sample(i);
    sim.budget.spend(unit * WORKLOAD_ACCESS_UNITS, 'running the workload');
    sim.iommu.trace.clear();
    const u = nextUnit();
    if (!w.remapResident && resident.has(u)) continue;
    const full = live >= w.resident;
    if (r.maps + r.unmaps + (full ? 2 : 1) > (w.maxOperations ?? Infinity)) break;
    if (full) {
      const old = fifo[head]!;
      const oldDma = fifoDma[head]!;
      head = (head + 1) % fifo.length;
      live--;
      const more = extra.get(old) ?? 0;
      if (more === 0) resident.delete(old);
      else if (more === 1) extra.delete(old);
      else extra.set(old, more - 1);
      v.beginStep();
      if (v.vgpuUnmap(sim.iommu, gfnOf(old), unit, oldDma) !== 0) r.unmap_errors++;
      add();
      r.unmaps++;
    }
    v.beginStep();
    const m = v.vgpuMap(sim.iommu, gfnOf(u), unit);
    add();
    visits += v.step.lookupVisits;
    windowVisits += v.step.lookupVisits;
    windowMaps++;
    r.lookup_visits_max = Math.max(r.lookup_visits_max, v.step.lookupVisits);
    if (m.ret !== 0) {
      r.errors++;
      continue;
    }
    r.maps++;
    const tail = (head + live) % fifo.length;
    fifo[tail] = u;
    fifoDma[tail] = m.dmaAddr!;
    live++;
    if (resident.has(u)) extra.set(u, (extra.get(u) ?? 0) + 1);
    else resident.add(u);
    if ((r.maps & 1023) === 0) r.peak_tracking_bytes = Math.max(r.peak_tracking_bytes, v.trackingSlabBytes());
  }
  if (r.series.at(-1)?.access !== i) sample(i);
  r.lookup_visits_mean = r.maps + r.errors > 0 ? Math.round((visits / (r.maps + r.errors)) * 100) / 100 : 0;
  r.entries = v.entries;
  r.tracking_bytes = v.trackingSlabBytes();
  r.tracking_sizeof_bytes = v.trackingSizeofBytes();
  r.peak_tracking_bytes = Math.max(r.peak_tracking_bytes, r.tracking_bytes);
  return r;
}
