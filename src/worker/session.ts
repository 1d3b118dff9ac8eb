// One loaded case, held in the worker for the page to step through: the steps run once forward on load,
// leaving checkpoints (copies of the simulation) every few steps; any step is then a copy of the nearest
// checkpoint and a short replay, so going back is as quick as going forward. An edit keeps the
// checkpoints before the first changed step. Plain TypeScript: the worker only exposes it.

import { WorkBudget } from '../model/budget';
import { cloneSim, SimCopy } from '../model/engine/clone';
import { executeStep, prepareCase, refsOf, type PreparedCase } from '../model/engine/run';
import type { Sim } from '../model/engine/sim';
import type { StepResult, StepRet } from '../model/engine/types';
import { diffStates, type Changes } from '../model/inspect/diff';
import { follow, type Chain, type Space } from '../model/inspect/follow';
import { inspectSince, type Edits } from '../model/inspect/patch';
import { inspect, type StepState } from '../model/inspect/state';
import { copyTables, emptyTable, giveTablesBack } from '../model/lib/table';
import { CASE_SCHEMA, fileSchema } from '../model/scenario/schema';
import { narrate, type StepInputLike } from '../narrate/narrate';
import { screenDocument } from '../model/scenario/screen';
import { parseInput } from '../model/scenario/validate';

/** What the step list shows of one step. */
export interface StepSummary {
  index: number;
  op: string;
  ret: StepRet;
  /** The kernel entry and the functions the step went through, each once in the order first called. */
  entry: string | null;
  path: string[];
  /** How many calls the path had in all. */
  calls: number;
  /** Why an errno came back, in kernel words. */
  reason: string | null;
  warnings: string[];
  /** Set on steps that did not run (after a KERNEL_BUG, a sleeping vendor or a simulator error). */
  skipped: string | null;
  /** The simulator refused the step (work budget, bad $ref): the state stays as before it. */
  simError: string | null;
  /** The outputs a kernel developer looks at first, as text. */
  brief: string;
  /** What the step did, in one or two sentences. */
  narration: string;
  /** Steps this one woke from vfio_wait, and how each finished. */
  woken: Array<{ step: number; ret: StepRet }>;
}

export interface LoadInfo {
  caseIds: string[];
  caseId: string | null;
  kernel: string | null;
  steps: number;
  /** The file or the case could not be run: why. */
  error: string | null;
  warnings: string[];
}

/** The host frames (sent once per load), the page-table runs and host pins (when a step left them as they were). */
export type Kept = 'frames' | 'runs' | 'hostPins';

export interface StateReply {
  /** Steps done: 0 is the environment as built, before the first step. */
  cursor: number;
  state: StepState;
  /**
   * What changed: one step forward, what that step did; one back, its reverse; any other move, what the
   * step shown did.
   */
  changes: Changes | null;
  /** Tables left out (empty in `state`): the page has them, from the reply before or an earlier one. */
  kept: Kept[];
  /** The big tables sent as edits of the ones in the reply before (empty in `state`; null: not an edit). */
  patches: Edits;
  /** The step the state is after (null at step 0): the page describes it as it draws its state. */
  summary: StepSummary | null;
}

const BRIEF: Record<string, string[]> = {
  MAP_DMA: ['pin_chunk_count', 'iommu_map_call_count', 'locked_vm_pages'],
  UNMAP_DMA: ['size', 'vendor_callback_count', 'locked_vm_pages'],
  PIN_PAGES: ['pfns', 'locked_vm_pages'],
  PIN_PAGES_OLD: ['phys_pfn', 'locked_vm_pages'],
  UNPIN_PAGES: ['pfn_list_ref', 'locked_vm_pages'],
  ATTACH_GROUP: ['locked_vm_pages'],
  DETACH_GROUP: ['locked_vm_pages'],
  GET_INFO: ['flags', 'iova_pgsizes'],
  IOMMU_MAP: ['leaf_ptes'],
  IOMMU_UNMAP: ['unmapped'],
  ALLOC_IOVA: ['pfn_lo', 'pfn_hi'],
  ALLOC_IOVA_FAST: ['pfn', 'allocated_len'],
  FREE_IOVA_FAST: ['cached'],
  KVMGT_MAP_GUEST_PAGE: ['dma_addr', 'kref', 'nr_cache_entries'],
  KVMGT_UNMAP_GUEST_PAGE: ['kref', 'nr_cache_entries'],
  VGPU_MAP_GUEST_PAGE: ['dma_addr', 'entries', 'pins'],
  VGPU_UNMAP_GUEST_PAGE: ['entries', 'unpins'],
  VGPU_WORKLOAD: ['maps', 'unmaps', 'pins', 'entries', 'locked_vm_pages'],
};

function show(v: unknown): string {
  if (Array.isArray(v))
    return v.length > 3 ? `[${v.slice(0, 3).map(show).join(', ')}, … ${v.length}]` : `[${v.map(show).join(', ')}]`;
  if (v && typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${k} ${show(x)}`)
      .join(', ');
  return String(v);
}

function summarize(
  index: number,
  input: StepInputLike,
  r: StepResult,
  refs: ReadonlyArray<Record<string, unknown> | undefined>,
): StepSummary {
  const explain = (r.explain ?? {}) as { entry?: string; path?: string[]; reason?: string | null; warnings?: string[] };
  const brief = (BRIEF[r.op] ?? [])
    .filter((k) => r[k] !== undefined && r[k] !== null)
    .map((k) => `${k.replace(/_/g, ' ')} ${show(r[k])}`)
    .join(' · ');
  return {
    index,
    op: r.op,
    ret: r.ret,
    entry: explain.entry ?? null,
    // Each function once, in first-call order: a workload's path repeats a few functions thousands of
    // times, and the page says so with the count rather than carrying every call.
    path: [...new Set(explain.path ?? [])],
    calls: explain.path?.length ?? 0,
    reason: explain.reason ?? null,
    warnings: explain.warnings ?? [],
    skipped: r.skipped ?? null,
    simError: r.sim_error ?? null,
    brief,
    narration: narrate(input, r, refs),
    woken: ((r.woken as Array<{ step: number; ret: StepRet }> | undefined) ?? []).map((w) => ({
      step: w.step,
      ret: w.ret,
    })),
  };
}

export class Session {
  private prepared: Extract<PreparedCase, { ok: true }> | null = null;
  private summaries: StepSummary[] = [];
  private refs: Array<Record<string, unknown>> = [];
  /** Copies of the simulation after that many steps (0: as built). */
  private checkpoints = new Map<number, Sim>();
  /**
   * A ready copy of each checkpoint, made while the worker is idle (prepareSpare): a seek takes one and
   * replays from it instead of copying the checkpoint first (a copy of a late one is most of a jump's cost).
   */
  private spares = new Map<number, Sim>();
  /** The spare being made, a slice of idle time at a time. */
  private making: { at: number; copy: SimCopy } | null = null;
  private current: Sim | null = null;
  private currentAt = -1;
  /** Steps after this many done never ran (a KERNEL_BUG, a sleeping vendor, a simulator error). */
  private lastState = 0;
  /** The step that stopped the run, if one did. */
  private stoppedAt: number | null = null;
  /** The state last handed out: the state after `at` steps (≤ lastState), for the cursor at `cursor`. */
  private shown: { at: number; cursor: number; state: StepState } | null = null;
  /**
   * Per step, the iova ranges of the first domain's page table it wrote ([lo, hi) pairs, from the table's
   * change journal), or null when the first domain itself changed or the step never ran: a state is read
   * from the one shown before by re-reading only those ranges (inspectSince).
   */
  private touched: Array<number[] | null> = [];
  /** Each step's arguments as its first replay parsed them (a step replays with the same $ref values). */
  private replayArgs = new Map<number, unknown>();
  /** Host frames of the loaded case (they never change), and whether the page has been sent them. */
  private frames: StepState['frames'] | null = null;
  private framesSent = false;

  constructor(private readonly progress?: () => void) {}

  /** Reads the file and runs one case (the first, or caseId) forward, leaving checkpoints. */
  load(doc: unknown, caseId?: string, opts: { kernel?: string; fromStep?: number } = {}): LoadInfo {
    const info: LoadInfo = { caseIds: [], caseId: null, kernel: null, steps: 0, error: null, warnings: [] };
    const screened = screenDocument(doc);
    if (screened) return { ...info, error: screened };
    const file = parseInput(fileSchema, doc, false, info.warnings, 'file');
    if (!file.ok) {
      const schema = (doc as { schema?: unknown } | null)?.schema;
      return {
        ...info,
        error:
          schema !== CASE_SCHEMA ? `not a "${CASE_SCHEMA}" file (schema is ${JSON.stringify(schema)})` : file.error,
      };
    }
    const ids = file.value.cases
      .map((c) => (c as { id?: unknown } | null)?.id)
      .filter((id): id is string => typeof id === 'string');
    info.caseIds = ids;
    const raw = file.value.cases.find((c) =>
      caseId === undefined ? true : (c as { id?: unknown } | null)?.id === caseId,
    );
    if (raw === undefined) return { ...info, error: caseId ? `no case with id "${caseId}"` : 'the file has no cases' };
    const c = prepareCase(
      raw,
      file.value.environments,
      { kernel: opts.kernel, progress: this.progress },
      info.warnings,
    );
    info.caseId = c.id;
    info.kernel = c.kernel;
    if (!c.ok) return { ...info, error: c.error };
    let built: Sim;
    // Steps before fromStep are the same as before: their checkpoints and results stay. A step that
    // stopped the run before it runs again (and stops it again), as the steps after it never ran.
    const from = opts.fromStep !== undefined && this.prepared?.id === c.id ? Math.max(0, opts.fromStep) : 0;
    const keep = Math.min(from, this.stoppedAt ?? Infinity);
    try {
      built = keep > 0 && this.checkpoints.has(0) ? this.checkpoints.get(0)! : c.build(false);
    } catch (e) {
      return { ...info, error: (e as Error).message };
    }
    this.prepared = c;
    for (const k of [...this.checkpoints.keys()])
      if (k > keep || keep === 0) {
        this.checkpoints.delete(k);
        this.spares.delete(k);
      }
    if (this.making && !this.checkpoints.has(this.making.at)) this.making = null;
    if (keep === 0 || this.currentAt > keep) {
      this.current = null;
      this.currentAt = -1;
    }
    this.checkpoints.set(0, cloneSim(built, this.freshBudget(built)));
    this.summaries = this.summaries.slice(0, keep);
    this.refs = this.refs.slice(0, keep);
    this.touched = this.touched.slice(0, keep);
    for (const k of [...this.replayArgs.keys()]) if (k >= keep) this.replayArgs.delete(k);
    this.shown = null;
    if (keep === 0) this.frames = null;
    this.framesSent = false;
    this.runForward(keep);
    info.steps = c.steps.length;
    return info;
  }

  /** Summaries of steps [from, from + count). */
  steps(from: number, count: number): StepSummary[] {
    return this.summaries.slice(Math.max(0, from), Math.max(0, from + count));
  }

  /**
   * The state after `cursor` steps, and what changed: one step forward or back from the state shown before,
   * what changed since it (forward, what that step did; back, its reverse). Any other move (a jump, Home,
   * End, the slider, the first state after a load) outlines its own step's changes (what step n did to step
   * n − 1): a jump, a scenario or a link shows the step with what it did, not everything between two far
   * steps (thousands of outlines that say nothing, and the costliest part of a far jump).
   */
  state(cursor: number): StateReply {
    if (!this.prepared) throw new Error('no scenario is loaded');
    const n = Math.max(0, Math.min(cursor, this.prepared.steps.length));
    const at = Math.min(n, this.lastState);
    const reuse = this.frames ? { frames: this.frames } : {};
    // The page holds the state shown before (and only that one): a step from it can go as an edit of it.
    // That state is edited in place below: until the new one is made, there is none to start from.
    const onPage = this.shown;
    this.shown = null;
    let from = onPage && Math.abs(onPage.cursor - n) <= 1 ? onPage : null;
    // The big tables of a state no longer read are garbage: their memory serves the next reading (fresh
    // memory is what reading a 1 TiB guest's state costs most). The one on the page goes first when the
    // new state is not read from it, before the two readings below.
    const tablesOf = (o: { state: StepState } | null) =>
      o ? [o.state.iommu?.runs, o.state.hostPins, o.state.dmas, o.state.pins] : [];
    if (onPage && !from) giveTablesBack(tablesOf(onPage), reuse);
    if (!from && n > 0) {
      const prev = Math.min(n - 1, this.lastState);
      from = { at: prev, cursor: n - 1, state: inspect(this.simAt(prev), reuse) };
    }
    const sim = this.simAt(at);
    const touched = from ? this.touchedBetween(from.at, at) : null;
    // The worker keeps one state at a time: the one it starts from is edited where it lies.
    const patched = from && touched ? inspectSince(sim, from.state, touched, { inPlace: true }) : null;
    const state = patched?.state ?? inspect(sim, reuse);
    const changes = from ? diffStates(from.state, state, patched?.hint) : null;
    giveTablesBack(tablesOf(from), state);
    this.frames = state.frames;
    this.shown = { at, cursor: n, state };
    const patches: Edits = onPage && from === onPage && patched ? patched.edits : { runs: null, hostPins: null };
    // Left out: what the page already has (the frames once sent; tables a step did not change), and the
    // tables sent as edits.
    const kept: Kept[] = [];
    if (this.framesSent) kept.push('frames');
    if (onPage && state.iommu && state.iommu.runs === onPage.state.iommu?.runs) kept.push('runs');
    if (onPage && state.hostPins === onPage.state.hostPins) kept.push('hostPins');
    const out = (k: 'runs' | 'hostPins') => kept.includes(k) || patches[k] !== null;
    // What goes out is moved to the page (its buffers detached here): copies of what the worker keeps.
    const reply = copyTables({
      ...state,
      frames: emptyTable(['pfn', 'pages', 'kind']),
      hostPins: out('hostPins') ? emptyTable(['pfn', 'pages', 'pins']) : state.hostPins,
      iommu:
        state.iommu && out('runs')
          ? { ...state.iommu, runs: emptyTable(['iova', 'pfn', 'pages', 'level', 'bits']) }
          : state.iommu,
    });
    if (!this.framesSent) reply.frames = copyTables(state.frames);
    this.framesSent = true;
    return { cursor: n, state: reply, changes, kept, patches, summary: this.summaries[n - 1] ?? null };
  }

  /**
   * Idle work: goes on with the spare copy of a checkpoint that has none until it is made or `deadline`
   * (performance.now()) has passed, `slice` objects at a time, so a request that comes meanwhile waits for
   * a slice, not a whole copy. True while some still have none (the caller asks again when next idle).
   */
  prepareSpare(deadline = Infinity, slice = 256): boolean {
    if (!this.making) {
      const at = this.withoutSpare();
      if (at === undefined) return false;
      const cp = this.checkpoints.get(at)!;
      this.making = { at, copy: new SimCopy(cp, this.freshBudget(cp)) };
    }
    while (!this.making.copy.step(slice)) if (performance.now() >= deadline) return true;
    this.finishSpare();
    return this.withoutSpare() !== undefined;
  }

  /** A checkpoint that has no spare copy yet. */
  private withoutSpare(): number | undefined {
    return [...this.checkpoints.keys()].find((k) => !this.spares.has(k));
  }

  /** The spare being made, finished and put with the others. */
  private finishSpare(): void {
    const m = this.making!;
    m.copy.step();
    this.spares.set(m.at, m.copy.sim);
    this.making = null;
  }

  /** The first domain's table ranges the step between states a and b (at most one apart) wrote; null: unknown. */
  private touchedBetween(a: number, b: number): number[] | null {
    return a === b ? [] : (this.touched[Math.min(a, b)] ?? null);
  }

  /** The chain of one address in one space after `cursor` steps. */
  follow(cursor: number, space: Space, addr: bigint): Chain {
    if (!this.prepared) throw new Error('no scenario is loaded');
    const n = Math.max(0, Math.min(cursor, this.prepared.steps.length, this.lastState));
    return follow(this.simAt(n), space, addr);
  }

  /** Runs from `from` steps done to the end, recording what each step reported. */
  private runForward(from: number): void {
    const c = this.prepared!;
    const sim = this.simAt(from);
    this.lastState = c.steps.length;
    this.stoppedAt = null;
    let stopped: string | null = null;
    const every = Math.max(8, Math.ceil(c.steps.length / 256));
    let work = 0;
    // A checkpoint costs a copy of the whole simulation: with thousands of mappings that is far more than
    // a step. Copies are taken only once the steps since the last one took half as long as that copy did,
    // so opening a case costs at most about three times running it, and a replay to any step no more than
    // half a copy (a far jump among 10,000 steps replays about that much).
    let stepMs = 0;
    let copyMs = 0;
    for (let i = from; i < c.steps.length; i++) {
      this.progress?.();
      const s = c.steps[i]!;
      if (stopped) {
        const r: StepResult = { op: s.op, ret: null, skipped: stopped };
        this.refs[i] = r;
        this.summaries[i] = summarize(i, s, r, this.refs);
        this.touched[i] = null;
        continue;
      }
      const before = sim.budget.run.spent;
      const t0 = performance.now();
      const domain = sim.iommu.firstDomain;
      domain?.table.takeChanged();
      const o = executeStep(sim, s, i, this.refs);
      this.touched[i] = domain === sim.iommu.firstDomain ? (domain?.table.takeChanged() ?? []) : null;
      stepMs += performance.now() - t0;
      this.refs[i] = refsOf(o.result);
      this.summaries[i] = summarize(i, s, o.result, this.refs);
      stopped = o.stop;
      if (stopped !== null) {
        this.stoppedAt = i;
        // A KERNEL_BUG or a sleeping vendor leaves the state at that point; a simulator error leaves it
        // half-way through the step, so the state shown is the one before it.
        this.lastState = o.simError !== null ? i : i + 1;
        this.current = o.simError !== null ? null : sim;
        this.currentAt = o.simError !== null ? -1 : i + 1;
        if (o.simError === null) this.checkpoints.set(i + 1, cloneSim(sim, this.freshBudget(sim)));
        continue;
      }
      work += sim.budget.run.spent - before;
      // A checkpoint every few steps, and after any step that did much work (a 1 TiB MAP_DMA).
      if (((i + 1) % every === 0 && 2 * stepMs >= copyMs) || work > 1 << 20) {
        const t1 = performance.now();
        this.checkpoints.set(i + 1, cloneSim(sim, this.freshBudget(sim)));
        copyMs = performance.now() - t1;
        work = 0;
        stepMs = 0;
      }
    }
    if (stopped === null) {
      this.current = sim;
      this.currentAt = c.steps.length;
    }
  }

  /** A simulation after n steps: the current one run forward, or a copy of the nearest checkpoint and a replay. */
  private simAt(n: number): Sim {
    if (this.current && this.currentAt === n) return this.current;
    let base = -1;
    for (const k of this.checkpoints.keys()) if (k <= n && k > base) base = k;
    let sim: Sim;
    let at: number;
    if (this.current && this.currentAt <= n && this.currentAt >= base) {
      sim = this.current;
      at = this.currentAt;
    } else {
      const cp = this.checkpoints.get(base)!;
      // A spare half made is finished rather than started again.
      if (!this.spares.has(base) && this.making?.at === base) this.finishSpare();
      sim = this.spares.get(base) ?? cloneSim(cp, this.freshBudget(cp));
      this.spares.delete(base);
      at = base;
    }
    for (; at < n; at++) executeStep(sim, this.prepared!.steps[at]!, at, this.refs, this.replayArgs);
    this.current = sim;
    this.currentAt = n;
    return sim;
  }

  /** Replays redo work already paid for; the limits per step still hold. */
  private freshBudget(sim: Sim): WorkBudget {
    return new WorkBudget(sim.budget.limit, undefined, this.progress ?? null);
  }
}
