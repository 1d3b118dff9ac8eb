// A checkpoint of a running simulation: a deep copy of every structure the steps change (the container,
// its vfio_dma tree and pfn_lists, the IOMMU page tables, iova.c, the vendor's caches, mm), sharing what
// never changes once built (the process address space, the profile, constant vendor policies). Time
// travel is a copy of the nearest checkpoint plus a replay of the steps after it, never undo code in
// every op. No kernel analogue.

import { WorkBudget } from '../budget';
import { StepTrace } from '../vfio/iommu';
import type { Sim } from './sim';

/**
 * Copies a value graph keeping its shape: objects keep their prototypes and field order (so V8 gives the
 * copies the originals' hidden classes), shared references stay shared, cycles (rb-tree parent pointers,
 * gvt_dma ↔ rb_node) stay cycles. Functions and anything in `keep` are shared, not copied.
 */
function deepCopy(root: unknown, keep: Map<object, unknown>): unknown {
  const memo = new Map<object, unknown>(keep);
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    const seen = memo.get(v);
    if (seen !== undefined) return seen;
    if (ArrayBuffer.isView(v)) {
      const out = (v as unknown as { slice(): unknown }).slice();
      memo.set(v, out);
      return out;
    }
    if (Array.isArray(v)) {
      const out: unknown[] = new Array<unknown>(v.length);
      memo.set(v, out);
      for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<unknown, unknown>();
      memo.set(v, out);
      for (const [k, x] of v) out.set(copy(k), copy(x));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set<unknown>();
      memo.set(v, out);
      for (const x of v) out.add(copy(x));
      return out;
    }
    // Object.assign copies the fields in their order in one native call; only those holding objects are
    // then replaced by their copies (for-in over an instance walks V8's enum cache, no key array).
    const out = Object.assign(Object.create(Object.getPrototypeOf(v) as object | null) as object, v) as Record<
      string,
      unknown
    >;
    memo.set(v, out);
    for (const k in out) {
      if (!Object.prototype.hasOwnProperty.call(out, k)) continue;
      const x = out[k];
      if (x !== null && typeof x === 'object') out[k] = copy(x);
    }
    return out;
  };
  return copy(root);
}

/** A copy of sim that runs on its own, charging `budget` from now on. */
export function cloneSim(sim: Sim, budget: WorkBudget = new WorkBudget(sim.budget.limit, sim.budget.run)): Sim {
  // Built once from the environment and only read afterwards: shared by every checkpoint (a 1 TiB guest's
  // shuffled huge-page layout is 2 MiB).
  const keep = new Map<object, unknown>([
    [sim.profile, sim.profile],
    [sim.budget, budget],
    // What the last step reported is not state: a 1 TiB MAP_DMA's trace alone is 60 MB.
    [sim.iommu.trace, new StepTrace()],
  ]);
  for (const r of sim.memory.regions) if (r.slots) keep.set(r.slots, r.slots);
  return deepCopy(sim, keep) as Sim;
}
