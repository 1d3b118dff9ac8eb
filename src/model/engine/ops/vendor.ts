// Ops that drive the vendor driver behind the emulated group (env.vendor): KVMGT's guest-page DMA
// mapping entry points and what they did to type1 (the vfio_pin_pages / vfio_unpin_pages calls).

import { z } from 'zod';
import { hex, hexPage } from '../../addr';
import { u64 } from '../../scenario/schema';
import type { Kvmgt } from '../../vendor/kvmgt';
import type { TrackingVendor } from '../../vendor/tracking/driver';
import type { Sim } from '../sim';
import { op, type OpDef } from './registry';

function kvmgt(sim: Sim): Kvmgt {
  if (!sim.kvmgt)
    throw new Error(
      'this op needs a vendor driver: add "vendor": {"kind": "kvmgt", "host_iommu": "off"} to the environment',
    );
  return sim.kvmgt;
}

const calls = (list: Array<{ iovaPfn: number; npage: number }>) =>
  list.map((c) => ({ iova: hexPage(c.iovaPfn), npage: c.npage }));

export const vendorOps: Record<string, OpDef> = {
  KVMGT_MAP_GUEST_PAGE: op({
    entry: 'intel_gvt_dma_map_guest_page',
    args: z.object({ gfn: u64, size: u64.default(0x1000n) }),
    run(sim, a) {
      const k = kvmgt(sim);
      const r = k.mapGuestPage(sim.iommu, Number(a.gfn), Number(a.size));
      const t = sim.iommu.trace;
      return {
        ret: r.ret,
        dma_addr: r.dmaAddr === null ? null : hex(r.dmaAddr),
        kref: r.kref,
        nr_cache_entries: k.nrCacheEntries,
        type1_pins: calls(t.type1Pins),
        type1_unpins: calls(t.type1Unpins),
        locked_vm_pages: sim.mm.lockedVm,
      };
    },
  }),
  KVMGT_UNMAP_GUEST_PAGE: op({
    entry: 'intel_gvt_dma_unmap_guest_page',
    args: z.object({ dma_addr: u64 }),
    run(sim, a) {
      const k = kvmgt(sim);
      const kref = k.unmapGuestPage(sim.iommu, Number(a.dma_addr));
      return {
        ret: null,
        kref,
        nr_cache_entries: k.nrCacheEntries,
        type1_unpins: calls(sim.iommu.trace.type1Unpins),
        locked_vm_pages: sim.mm.lockedVm,
      };
    },
  }),
  VGPU_MAP_GUEST_PAGE: op({
    entry: 'vendor map of one guest page (2016 design)',
    args: z.object({ gfn: u64 }),
    run(sim, a) {
      const v = tracking(sim);
      v.beginStep();
      const r = v.mapGuestPage(sim.iommu, Number(a.gfn));
      return { ret: r.ret, dma_addr: r.dmaAddr === null ? null : hex(r.dmaAddr), ...trackingOutputs(sim, v) };
    },
  }),
  VGPU_UNMAP_GUEST_PAGE: op({
    entry: 'vendor unmap of one guest page (2016 design)',
    args: z.object({ gfn: u64 }),
    run(sim, a) {
      const v = tracking(sim);
      v.beginStep();
      return { ret: v.unmapGuestPage(sim.iommu, Number(a.gfn)), ...trackingOutputs(sim, v) };
    },
  }),
};

function tracking(sim: Sim): TrackingVendor {
  if (!sim.tracking) {
    throw new Error(
      'this op needs a tracking vendor: add "vendor": {"kind": "tracking", "strategy": "flat-array"} to the environment',
    );
  }
  return sim.tracking;
}

function trackingOutputs(sim: Sim, v: TrackingVendor): Record<string, unknown> {
  return {
    entries: v.entries,
    tracking_bytes: v.trackingSlabBytes(),
    tracking_sizeof_bytes: v.sizeofBytes,
    pins: v.step.pins,
    unpins: v.step.unpins,
    dma_map_calls: v.step.dmaMapCalls,
    iommu_map_calls: v.step.iommuMapCalls,
    lookup_visits: v.step.lookupVisits,
    locked_vm_pages: sim.mm.lockedVm,
  };
}
