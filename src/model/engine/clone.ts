// A checkpoint of a running simulation: a deep copy of every structure the steps change (the container,
// its vfio_dma tree and pfn_lists, the IOMMU page tables, iova.c, the vendor's caches, mm), sharing what
// never changes once built (the process address space, the profile, constant vendor policies). Time
// travel is a copy of the nearest checkpoint plus a replay of the steps after it, never undo code in
// every op. No kernel analogue.

import { WorkBudget } from '../budget';
import { StepTrace } from '../vfio/iommu';
import type { Sim } from './sim';

/**
 * A copy of a value graph that keeps its shape: objects keep their prototypes and field order (so V8 gives
 * the copies the originals' hidden classes), shared references stay shared, cycles (rb-tree parent
 * pointers, gvt_dma ↔ rb_node) stay cycles. Functions and anything in `keep` are shared, not copied.
 * Made a slice at a time: each object is first copied shallowly (its fields still pointing at the
 * originals), then its fields are replaced by their copies; until `step` says it is done the copy must
 * not be used. A worker's idle work copies in slices so that a request never waits for a whole copy.
 */
class GraphCopy {
  private readonly memo: Map<object, unknown>;
  /** Copies whose fields still point at the originals, with the original each came from. */
  private readonly todo: Array<[object, object]> = [];
  readonly root: unknown;

  constructor(root: unknown, keep: Map<object, unknown>) {
    this.memo = new Map<object, unknown>(keep);
    this.root = this.shallow(root);
  }

  /** Fills in up to `budget` objects; true once the copy is complete. */
  step(budget = Infinity): boolean {
    const todo = this.todo;
    for (let n = 0; n < budget && todo.length > 0; n++) {
      const [from, to] = todo.pop()!;
      if (Array.isArray(to)) {
        for (let i = 0; i < to.length; i++) {
          const x: unknown = to[i];
          if (x !== null && typeof x === 'object') to[i] = this.shallow(x);
        }
      } else if (to instanceof Map) {
        for (const [k, x] of from as Map<unknown, unknown>) to.set(this.shallow(k), this.shallow(x));
      } else if (to instanceof Set) {
        for (const x of from as Set<unknown>) to.add(this.shallow(x));
      } else {
        const out = to as Record<string, unknown>;
        // for-in over an instance walks V8's enum cache, no key array.
        for (const k in out) {
          if (!Object.prototype.hasOwnProperty.call(out, k)) continue;
          const x = out[k];
          if (x !== null && typeof x === 'object') out[k] = this.shallow(x);
        }
      }
    }
    return todo.length === 0;
  }

  private shallow(v: unknown): unknown {
    if (v === null || typeof v !== 'object') return v;
    const seen = this.memo.get(v);
    if (seen !== undefined) return seen;
    let out: object;
    if (ArrayBuffer.isView(v)) {
      out = (v as unknown as { slice(): object }).slice();
      this.memo.set(v, out);
      return out;
    }
    if (Array.isArray(v)) out = v.slice();
    else if (v instanceof Map) out = new Map<unknown, unknown>();
    else if (v instanceof Set) out = new Set<unknown>();
    // Object.assign copies the fields in their order in one native call.
    else out = Object.assign(Object.create(Object.getPrototypeOf(v) as object | null) as object, v);
    this.memo.set(v, out);
    this.todo.push([v, out]);
    return out;
  }
}

/**
 * A copy of a simulation made a slice at a time (`step`), for a worker's idle work; `sim` may be used
 * once `step` has returned true.
 */
export class SimCopy {
  private readonly graph: GraphCopy;
  readonly sim: Sim;

  /** The copy runs on its own, charging `budget` from now on. */
  constructor(sim: Sim, budget: WorkBudget = new WorkBudget(sim.budget.limit, sim.budget.run)) {
    // Built once from the environment and only read afterwards: shared by every checkpoint (a 1 TiB
    // guest's shuffled huge-page layout is 2 MiB).
    const keep = new Map<object, unknown>([
      [sim.profile, sim.profile],
      [sim.budget, budget],
      // What the last step reported is not state: a 1 TiB MAP_DMA's trace alone is 60 MB.
      [sim.iommu.trace, new StepTrace()],
    ]);
    for (const r of sim.memory.regions) if (r.slots) keep.set(r.slots, r.slots);
    this.graph = new GraphCopy(sim, keep);
    this.sim = this.graph.root as Sim;
  }

  /** Copies up to `objects` more objects; true once the copy is complete. */
  step(objects = Infinity): boolean {
    return this.graph.step(objects);
  }
}

/** A copy of sim that runs on its own, charging `budget` from now on. */
export function cloneSim(sim: Sim, budget?: WorkBudget): Sim {
  const copy = new SimCopy(sim, budget);
  copy.step();
  return copy.sim;
}
