// Ops that drive the iova.c domain of the environment (`iovad`), with the outputs case-format.md §2
// lists: the range handed out and the allocator's cached state afterwards.

import { z } from 'zod';
import { hex } from '../../addr';
import { describeIovad, type IovadRange, type IovaDomain } from '../../iommu/iova';
import { u64 } from '../../scenario/schema';
import type { Sim } from '../sim';
import { op, type OpDef } from './registry';

const MAX_EXACT = 2 ** 53;

/** Pfns are u64 in the ABI; beyond 2^53 no real domain reaches, so larger limits clamp there. */
const pfn = u64.transform((v) => (v >= BigInt(MAX_EXACT) ? MAX_EXACT : Number(v)));

function iovad(sim: Sim): IovaDomain {
  if (!sim.iovad)
    throw new Error(
      'this op needs an iova domain: add "iovad": {"granule": 4096, "start_pfn": "0x1"} to the environment',
    );
  return sim.iovad;
}

const rangeOut = (r: IovadRange | null) => (r === null ? null : r === 'anchor' ? 'anchor' : [hex(r[0]), hex(r[1])]);

function caches(d: IovaDomain): Record<string, unknown> {
  const desc = describeIovad(d);
  return {
    max32_alloc_size: hex(d.max32AllocSize),
    cached_node: rangeOut(desc.cachedNode),
    cached32_node: rangeOut(desc.cached32Node),
  };
}

export const iovaOps: Record<string, OpDef> = {
  ALLOC_IOVA: op({
    entry: 'alloc_iova',
    args: z.object({ size: pfn, limit_pfn: pfn, size_aligned: z.boolean().default(false) }),
    run(sim, a) {
      const d = iovad(sim);
      const node = d.allocIova(a.size, a.limit_pfn, a.size_aligned);
      if (!node)
        sim.iommu.trace.fail(
          null,
          d.fastFailed
            ? `size ${a.size} ≥ max32_alloc_size ${d.max32AllocSize} (an allocation that large already failed below 4 GiB): __alloc_and_insert_iova_range returns -ENOMEM before walking the tree (alloc_iova returned NULL)`
            : 'no free range of that size below limit_pfn (alloc_iova returned NULL)',
        );
      return {
        ret: null,
        pfn_lo: node ? hex(node.lo) : null,
        pfn_hi: node ? hex(node.hi) : null,
        ...caches(d),
      };
    },
  }),
  FREE_IOVA: op({
    entry: 'free_iova',
    args: z.object({ pfn }),
    run(sim, a) {
      const d = iovad(sim);
      d.freeIova(a.pfn);
      return { ret: null, ...caches(d) };
    },
  }),
  RESERVE_IOVA: op({
    entry: 'reserve_iova',
    args: z.object({ pfn_lo: u64, pfn_hi: u64 }),
    run(sim, a) {
      const d = iovad(sim);
      // reserve_iova refuses pfns that do not fit the domain's address width (a WARN, NULL).
      const widthLimit = 1n << BigInt(64 - d.granuleShift);
      const ok = a.pfn_lo < widthLimit && a.pfn_hi < widthLimit && a.pfn_lo <= a.pfn_hi;
      const node = ok ? d.reserveIova(Number(a.pfn_lo), Number(a.pfn_hi)) : null;
      return { ret: null, ok: node !== null, ...(node ? { pfn_lo: hex(node.lo), pfn_hi: hex(node.hi) } : {}) };
    },
  }),
  ALLOC_IOVA_FAST: op({
    entry: 'alloc_iova_fast',
    args: z.object({ size: pfn, limit_pfn: pfn, flush_rcache: z.boolean().default(true) }),
    run(sim, a) {
      const d = iovad(sim);
      const r = d.allocIovaFast(a.size, a.limit_pfn, a.flush_rcache);
      return {
        ret: null,
        pfn: hex(r.pfn),
        pfn_hi: r.pfn ? hex(r.pfn + a.size - 1) : null,
        allocated_len: r.pfn ? r.len : 0,
        from: r.pfn ? r.from : null,
        ...caches(d),
      };
    },
  }),
  FREE_IOVA_FAST: op({
    entry: 'free_iova_fast',
    args: z.object({ pfn, size: pfn }),
    run(sim, a) {
      const d = iovad(sim);
      const cached = d.freeIovaFast(a.pfn, a.size);
      const node = d.findIova(a.pfn);
      return { ret: null, cached, tree_still_holds: node ? [hex(node.lo), hex(node.hi)] : null, ...caches(d) };
    },
  }),
};
