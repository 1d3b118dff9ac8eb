// Ops that drive drivers/vfio/vfio_iommu_type1.c through its ioctls and vendor entry points, and the
// outputs case-format.md §2 lists for them.

import { z } from 'zod';
import { asHva, asIovaPfn, asVfioIova, hex } from '../../addr';
import { kernel } from '../../profile';
import { u64 } from '../../scenario/schema';
import { group } from '../../scenario/schema';
import { vfioIommuType1AttachGroup, vfioIommuType1DetachGroup } from '../../vfio/attach';
import { vfioIommuType1DirtyPages } from '../../vfio/dirty';
import { pinCaller, vfioPinPages, vfioPinPagesOld, vfioUnpinPages } from '../../vfio/external';
import { EXTENSIONS, vfioIommuType1CheckExtension, vfioIommuType1GetInfo } from '../../vfio/info';
import { vfioIommuType1MapDma } from '../../vfio/map';
import { vfioIommuType1UnmapDma } from '../../vfio/unmap';
import { count, DIRTY_FLAGS, flags, MAP_FLAGS, prot, UNMAP_FLAGS } from '../args';
import { groupSpecOf } from '../env';
import { bitmapWords, mapTrace, vendorCallbackOutputs } from '../outputs';
import type { Sim } from '../sim';
import { vendorDriver } from './vendor';
import { op, type OpDef } from './registry';

const lockedVm = (sim: Sim) => sim.mm.lockedVmOut;

export const type1Ops: Record<string, OpDef> = {
  MAP_DMA: op({
    entry: 'VFIO_IOMMU_MAP_DMA',
    args: z.object({
      argsz: count.default(32),
      flags: flags(MAP_FLAGS),
      vaddr: u64.transform(asHva),
      iova: u64.transform(asVfioIova),
      size: u64,
    }),
    run(sim, a) {
      const ret = vfioIommuType1MapDma(sim.iommu, a);
      return { ret, ...mapTrace(sim), locked_vm_pages: lockedVm(sim) };
    },
  }),
  UNMAP_DMA: op({
    entry: 'VFIO_IOMMU_UNMAP_DMA',
    args: z.object({
      argsz: count.default(24),
      flags: flags(UNMAP_FLAGS),
      iova: u64.default(0n).transform(asVfioIova),
      size: u64.default(0n),
      bitmap_pgsize: u64.default(0n),
      bitmap_size: u64.default(0n),
    }),
    run(sim, a) {
      const vendor = vendorDriver(sim);
      vendor?.beginStep();
      const r = vfioIommuType1UnmapDma(sim.iommu, { ...a, bitmapPgsize: a.bitmap_pgsize, bitmapSize: a.bitmap_size });
      return {
        ret: r.ret,
        size: hex(r.size),
        ...vendorCallbackOutputs(sim),
        // What the vendor's dma_unmap callback spent finding what it had pinned in the range.
        ...(vendor && sim.iommu.trace.vendorCallbacks.length > 0
          ? { notifier_lookups: vendor.step.notifierLookups, notifier_lookup_visits: vendor.step.notifierVisits }
          : {}),
        ...(r.bitmap ? { bitmap_u64: bitmapWords(r.bitmap) } : {}),
        locked_vm_pages: lockedVm(sim),
      };
    },
  }),
  GET_INFO: op({
    entry: 'VFIO_IOMMU_GET_INFO',
    args: z.object({ argsz: count }),
    run(sim, a) {
      const r = vfioIommuType1GetInfo(sim.iommu, a.argsz);
      if (r.ret !== 0) return { ret: r.ret };
      const caps: Record<string, unknown> = {};
      for (const c of r.caps ?? []) caps[c.name] = hexDeep(c.body);
      return {
        ret: 0,
        flags: hex(r.flags!),
        iova_pgsizes: hex(r.iovaPgsizes!),
        ...(r.capOffset !== undefined ? { cap_offset: r.capOffset } : {}),
        argsz_out: r.argszOut,
        caps,
        caps_chain: r.chain,
      };
    },
  }),
  CHECK_EXTENSION: op({
    entry: 'VFIO_CHECK_EXTENSION',
    args: z.object({
      ext: z
        .union([
          z.enum(Object.keys(EXTENSIONS) as [string, ...string[]], {
            error: (iss) => `unknown extension ${JSON.stringify(iss.input)}`,
          }),
          z.number().int(),
        ])
        .transform((v) => (typeof v === 'number' ? v : EXTENSIONS[v]!)),
    }),
    run(sim, a) {
      return { ret: vfioIommuType1CheckExtension(sim.iommu, a.ext) };
    },
  }),
  DIRTY_PAGES: op({
    entry: 'VFIO_IOMMU_DIRTY_PAGES',
    args: z.object({
      argsz: count.optional(),
      flags: flags(DIRTY_FLAGS),
      iova: u64.default(0n).transform(asVfioIova),
      size: u64.default(0n),
      bitmap_pgsize: u64.default(0n),
      bitmap_size: u64.default(0n),
    }),
    run(sim, a) {
      const argsz = a.argsz ?? (a.flags & DIRTY_FLAGS.GET_BITMAP ? 48 : 8);
      const r = vfioIommuType1DirtyPages(sim.iommu, {
        ...a,
        argsz,
        bitmapPgsize: a.bitmap_pgsize,
        bitmapSize: a.bitmap_size,
      });
      return { ret: r.ret, ...(r.bitmap ? { bitmap_u64: bitmapWords(r.bitmap) } : {}) };
    },
  }),
  ATTACH_GROUP: op({
    entry: 'vfio_iommu_type1_attach_group',
    args: z.object({ group }),
    run(sim, a) {
      const spec = groupSpecOf(a.group, sim.iommu.emulatedGroups.length + sim.iommu.domains.length, sim.profile);
      const driver = sim.kvmgt ?? sim.tracking;
      const vendor = driver && spec.spec.kind === 'emulated' ? driver : spec.vendor;
      return { ret: vfioIommuType1AttachGroup(sim.iommu, spec.spec, vendor), locked_vm_pages: lockedVm(sim) };
    },
  }),
  DETACH_GROUP: op({
    entry: 'vfio_iommu_type1_detach_group',
    args: z.object({ id: z.string() }),
    run(sim, a) {
      return { ret: vfioIommuType1DetachGroup(sim.iommu, a.id), locked_vm_pages: lockedVm(sim) };
    },
  }),
  PIN_PAGES: op({
    entry: 'vfio_pin_pages',
    args: z.object({ iova: u64.transform(asVfioIova), npage: count, prot, device: z.string().optional() }),
    run(sim, a) {
      if (!kernel.hasIovaPinApi(sim.profile))
        throw new Error('PIN_PAGES is the ≥6.0 form; use PIN_PAGES_OLD on this profile');
      const r = vfioPinPages(sim.iommu, pinCaller(sim.iommu, a.device), a.iova, a.npage, a.prot);
      return { ret: r.ret, pfns: r.pfns ? r.pfns.map(hex) : null, locked_vm_pages: lockedVm(sim) };
    },
  }),
  PIN_PAGES_OLD: op({
    entry: 'vfio_pin_pages',
    args: z.object({ user_pfn: z.array(u64), prot, device: z.string().optional() }),
    run(sim, a) {
      if (kernel.hasIovaPinApi(sim.profile))
        throw new Error('PIN_PAGES_OLD is the 4.10–5.19 form; use PIN_PAGES on this profile');
      const r = vfioPinPagesOld(
        sim.iommu,
        pinCaller(sim.iommu, a.device),
        a.user_pfn.map((v) => asIovaPfn(Number(v & 0xfffffffffffffn))),
        a.prot,
      );
      return { ret: r.ret, phys_pfn: r.pfns ? r.pfns.map(hex) : null, locked_vm_pages: lockedVm(sim) };
    },
  }),
  UNPIN_PAGES: op({
    entry: 'vfio_unpin_pages',
    args: z.object({ iova: u64.transform(asVfioIova), npage: count, device: z.string().optional() }),
    run(sim, a) {
      const first = asIovaPfn(Number(a.iova >> 12n));
      const r = vfioUnpinPages(sim.iommu, first, a.npage);
      const vpfn = sim.iommu.dmaList.findDma(first, 1)?.pfnList.get(first);
      return {
        ret: kernel.hasIovaPinApi(sim.profile) ? null : r,
        pfn_list_ref: vpfn ? vpfn.refCount : null,
        locked_vm_pages: lockedVm(sim),
      };
    },
  }),
};

/** Capability bodies print bigints as hex and keep counts as integers. */
function hexDeep(v: unknown): unknown {
  if (typeof v === 'bigint') return hex(v);
  if (Array.isArray(v)) return v.map(hexDeep);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, hexDeep(x)]));
  return v;
}
