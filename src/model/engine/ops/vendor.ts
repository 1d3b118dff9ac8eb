// Ops that drive the vendor driver behind the emulated group (env.vendor): KVMGT's guest-page DMA
// mapping entry points and what they did to type1 (the vfio_pin_pages / vfio_unpin_pages calls).

import { z } from 'zod';
import { hex, hexPage } from '../../addr';
import { u64 } from '../../scenario/schema';
import type { Kvmgt } from '../../vendor/kvmgt';
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
};
