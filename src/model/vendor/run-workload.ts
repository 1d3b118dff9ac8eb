// Drives a vGPU vendor model with a workload: each access maps the page if it is not resident; past the
// resident limit the oldest page is unmapped first (FIFO, like a GPU recycling GTT entries). Costs are
// summed over the accesses, lookups as mean and max nodes or levels visited per access.

import type { Sim } from '../engine/sim';
import type { VgpuDriver } from './vgpu';
import { accessStream, type WorkloadSpec } from './workload';

export interface WorkloadResult {
  maps: number;
  unmaps: number;
  errors: number;
  pins: number;
  unpins: number;
  dma_map_calls: number;
  iommu_map_calls: number;
  lookup_visits_mean: number;
  lookup_visits_max: number;
  entries: number;
  tracking_bytes: number;
  peak_tracking_bytes: number;
}

export function runWorkload(sim: Sim, v: VgpuDriver, w: WorkloadSpec): WorkloadResult {
  const next = accessStream(w);
  // Which pages are resident, one bit per page of the span, and the resident pages oldest first (a ring).
  const isResident = new Uint32Array(Math.ceil(w.span / 32));
  const fifo = new Float64Array(Math.max(1, w.resident));
  let head = 0;
  let count = 0;
  const bit = (gfn: number) => 1 << ((gfn - w.fromGfn) & 31);
  const word = (gfn: number) => (gfn - w.fromGfn) >>> 5;
  const r: WorkloadResult = {
    maps: 0,
    unmaps: 0,
    errors: 0,
    pins: 0,
    unpins: 0,
    dma_map_calls: 0,
    iommu_map_calls: 0,
    lookup_visits_mean: 0,
    lookup_visits_max: 0,
    entries: 0,
    tracking_bytes: 0,
    peak_tracking_bytes: v.trackingSlabBytes(),
  };
  let visits = 0;
  const add = () => {
    r.pins += v.step.pins;
    r.unpins += v.step.unpins;
    r.dma_map_calls += v.step.dmaMapCalls;
    r.iommu_map_calls += v.step.iommuMapCalls;
  };
  for (let i = 0; i < w.ops; i++) {
    sim.budget.spend(1, 'running the workload');
    sim.iommu.trace.clear();
    const gfn = next();
    if (isResident[word(gfn)]! & bit(gfn)) continue;
    if (r.maps + r.unmaps + (count >= w.resident ? 2 : 1) > (w.maxOperations ?? Infinity)) break;
    if (count >= w.resident) {
      const old = fifo[head]!;
      head = (head + 1) % fifo.length;
      count--;
      isResident[word(old)]! &= ~bit(old);
      v.beginStep();
      v.vgpuUnmap(sim.iommu, old);
      add();
      r.unmaps++;
    }
    v.beginStep();
    const m = v.vgpuMap(sim.iommu, gfn);
    add();
    visits += v.step.lookupVisits;
    r.lookup_visits_max = Math.max(r.lookup_visits_max, v.step.lookupVisits);
    if (m.ret !== 0) {
      r.errors++;
      continue;
    }
    r.maps++;
    isResident[word(gfn)]! |= bit(gfn);
    fifo[(head + count) % fifo.length] = gfn;
    count++;
    if ((r.maps & 1023) === 0) r.peak_tracking_bytes = Math.max(r.peak_tracking_bytes, v.trackingSlabBytes());
  }
  r.lookup_visits_mean = r.maps + r.errors > 0 ? Math.round((visits / (r.maps + r.errors)) * 100) / 100 : 0;
  r.entries = v.entries;
  r.tracking_bytes = v.trackingSlabBytes();
  r.peak_tracking_bytes = Math.max(r.peak_tracking_bytes, r.tracking_bytes);
  return r;
}
