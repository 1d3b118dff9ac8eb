// Ops that drive the vendor driver behind the emulated group (env.vendor): KVMGT's guest-page DMA
// mapping entry points and what they did to type1 (the vfio_pin_pages / vfio_unpin_pages calls).

import { z } from 'zod';
import { hex, hexPage } from '../../addr';
import { u64 } from '../../scenario/schema';
import type { Kvmgt } from '../../mdev/kvmgt';
import { dmaCosts, totalBytes, vfioPfnCosts, type VgpuDriver } from '../../mdev/vgpu';
import { runWorkload } from '../../mdev/run-workload';
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

/** A 4 KiB page, or a 2 MiB page (512 guest pages; KVMGT keeps it as one gvt_dma, the 2016 designs as 512 entries). */
const pageSize = z.enum(['4K', '2M']).default('4K');

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
        locked_vm_pages: sim.mm.lockedVmOut,
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
        locked_vm_pages: sim.mm.lockedVmOut,
      };
    },
  }),
  VGPU_MAP_GUEST_PAGE: op({
    entry: 'the vendor maps one guest page for DMA',
    args: z.object({ gfn: u64, page_size: pageSize }),
    run(sim, a) {
      const v = vgpu(sim);
      v.beginStep();
      const r = v.vgpuMap(sim.iommu, Number(a.gfn), a.page_size === '2M' ? 512 : 1);
      return { ret: r.ret, dma_addr: r.dmaAddr === null ? null : hex(r.dmaAddr), ...vgpuOutputs(sim, v) };
    },
  }),
  VGPU_UNMAP_GUEST_PAGE: op({
    entry: 'the vendor is done with one guest page',
    args: z.object({ gfn: u64, page_size: pageSize }),
    run(sim, a) {
      const v = vgpu(sim);
      v.beginStep();
      return { ret: v.vgpuUnmap(sim.iommu, Number(a.gfn), a.page_size === '2M' ? 512 : 1), ...vgpuOutputs(sim, v) };
    },
  }),
  VGPU_WORKLOAD: op({
    entry: 'a GPU touching guest pages (deterministic by seed)',
    args: z.object({
      pattern: z.enum(['sequential', 'random', 'hot-cold', 'gtt-churn']),
      ops: z.number().int().min(1).max(10_000_000),
      from_gfn: u64.default(0n),
      // One residency bit per page of the span: up to 1 TiB of guest pages (32 MiB of bits).
      span: z
        .number()
        .int()
        .min(1)
        .max(2 ** 28),
      page_size: pageSize,
      resident: z.number().int().min(1).default(1024),
      seed: z.number().int().min(0).max(0xffffffff).default(1),
      remap_resident: z
        .boolean()
        .default(false)
        .describe('an access to a resident page maps it again, as a second shadow PTE would (KVMGT takes a kref)'),
    }),
    run(sim, a) {
      const v = vgpu(sim);
      const r = runWorkload(sim, v, {
        pattern: a.pattern,
        ops: a.ops,
        fromGfn: Number(a.from_gfn),
        span: a.span,
        pageSize: a.page_size,
        resident: a.resident,
        seed: a.seed,
        remapResident: a.remap_resident,
      });
      return {
        ret: r.errors === 0 ? 0 : '-EINVAL',
        ...r,
        ...dmaCosts(v),
        ...vfioPfnCosts(sim.iommu),
        total_bytes: totalBytes(sim.iommu, v),
        locked_vm_pages: sim.mm.lockedVmOut,
      };
    },
  }),
};

/** The vendor driver behind the emulated group, if the environment names one. */
export function vendorDriver(sim: Sim): VgpuDriver | null {
  return sim.tracking ?? sim.kvmgt;
}

function vgpu(sim: Sim): VgpuDriver {
  const v = vendorDriver(sim);
  if (!v) {
    throw new Error(
      'this op needs a vendor driver: add "vendor": {"kind": "tracking", "strategy": "flat-array"} or {"kind": "kvmgt"} to the environment',
    );
  }
  return v;
}

function vgpuOutputs(sim: Sim, v: VgpuDriver): Record<string, unknown> {
  return {
    entries: v.entries,
    tracking_bytes: v.trackingSlabBytes(),
    tracking_sizeof_bytes: v.trackingSizeofBytes(),
    ...dmaCosts(v),
    ...vfioPfnCosts(sim.iommu),
    total_bytes: totalBytes(sim.iommu, v),
    pins: v.step.pins,
    unpins: v.step.unpins,
    dma_map_calls: v.step.dmaMapCalls,
    iommu_map_calls: v.step.iommuMapCalls,
    lookup_visits: v.step.lookupVisits,
    locked_vm_pages: sim.mm.lockedVmOut,
  };
}
