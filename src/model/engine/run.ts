// Entry point of the engine: a parsed case/scenario file in, a results document out (case-format.md §5).
// Bad input in one case gives that case an error and no steps; the other cases still run. Results go to a
// sink step by step, so the CLI can stream a 1 TiB guest's output without holding it.

import { RunTally, WorkBudget } from '../budget';
import { DEFAULT_KERNEL, parseProfile } from '../profile';
import { CASE_SCHEMA, caseSchema, environment, fileSchema, type CaseInput } from '../scenario/schema';
import { screenDocument } from '../scenario/screen';
import { parseInput } from '../scenario/validate';
import { KernelBug, VendorBlocked, type StepTrace } from '../vfio/iommu';
import { applyOverrides, buildSim } from './env';
import { finalState } from './final';
import { vendorCallbackOutputs } from './outputs';
import { opDef } from './ops';
import type { OpDef } from './ops/registry';
import { RowList } from './rows';
import type { Sim } from './sim';
import { RESULTS_SCHEMA, type CaseResult, type ResultsDoc, type RunOptions, type StepResult } from './types';

/** Where a run's results go, in document order. */
export interface ResultSink {
  /** The whole file was refused: no case runs. */
  fileError(error: string): void;
  beginCase(id: string, kernel: string): void;
  step(s: StepResult): void;
  endCase(final: Record<string, unknown>, error?: string): void;
  /** After the last case: non-fatal findings such as unknown keys. */
  end(warnings: string[]): void;
}

/** Runs a file into a sink. */
export function runFileTo(doc: unknown, opts: RunOptions, sink: ResultSink): void {
  const warnings: string[] = [];
  const screened = screenDocument(doc);
  if (screened) return sink.fileError(screened);
  const file = parseInput(fileSchema, doc, !!opts.strict, warnings, 'file');
  if (!file.ok) {
    const schema = (doc as { schema?: unknown } | null)?.schema;
    const why =
      schema !== CASE_SCHEMA ? `not a "${CASE_SCHEMA}" file (schema is ${JSON.stringify(schema)})` : file.error;
    return sink.fileError(why);
  }
  const idOf = (raw: unknown) => (raw as { id?: unknown } | null)?.id;
  const selected = file.value.cases.filter((raw) => opts.caseId === undefined || idOf(raw) === opts.caseId);
  if (opts.caseId !== undefined && selected.length === 0) return sink.fileError(`no case with id "${opts.caseId}"`);
  const tally = opts.tally ?? new RunTally(opts.runBudget);
  for (const raw of selected) runCase(raw, file.value.environments, { ...opts, tally }, warnings, sink);
  sink.end(warnings);
}

/** Collects what a run reports into one results document. */
export function collectingSink(): ResultSink & { doc: ResultsDoc } {
  let current: CaseResult | null = null;
  const doc: ResultsDoc = { schema: RESULTS_SCHEMA, cases: [] };
  return {
    doc,
    fileError(error) {
      doc.error = error;
    },
    beginCase(id, kernel) {
      current = { id, kernel, steps: [], final: {} };
      doc.cases.push(current);
    },
    step(s) {
      current!.steps.push(s);
    },
    endCase(final, error) {
      current!.final = final;
      if (error !== undefined) current!.error = error;
    },
    end(warnings) {
      if (warnings.length) doc.warnings = warnings;
    },
  };
}

export function runFile(doc: unknown, opts: RunOptions = {}): ResultsDoc {
  const sink = collectingSink();
  runFileTo(doc, opts, sink);
  // A refused file has no cases; its document reads {schema, error, cases}.
  return sink.doc.error !== undefined ? { schema: RESULTS_SCHEMA, error: sink.doc.error, cases: [] } : sink.doc;
}

function failed(sink: ResultSink, id: string, kernel: string, error: string): void {
  sink.beginCase(id, kernel);
  sink.endCase({}, error);
}

/** A case ready to run: its steps checked and a way to build its simulation. */
export type PreparedCase =
  | { ok: true; id: string; kernel: string; steps: CaseInput['steps']; build: (replay: boolean) => Sim }
  | { ok: false; id: string; kernel: string; error: string };

/** Parses a case, resolves and validates its environment and checks every step's op and arguments. */
export function prepareCase(
  raw: unknown,
  environments: Record<string, unknown>,
  opts: RunOptions,
  warnings: string[],
): PreparedCase {
  const rawId = (raw as { id?: unknown } | null)?.id;
  const label = typeof rawId === 'string' ? rawId : '(no id)';
  const parsed = parseInput(caseSchema, raw, !!opts.strict, warnings, `case ${label}`);
  if (!parsed.ok) return { ok: false, id: label, kernel: opts.kernel ?? DEFAULT_KERNEL, error: parsed.error };
  const c = parsed.value;
  let envRaw: Record<string, unknown> = {};
  if (typeof c.env === 'string') {
    const named = Object.hasOwn(environments, c.env) ? environments[c.env] : undefined;
    if (!named || typeof named !== 'object')
      return {
        ok: false,
        id: c.id,
        kernel: opts.kernel ?? c.kernel ?? DEFAULT_KERNEL,
        error: `environment "${c.env}" is not defined in this file`,
      };
    envRaw = named as Record<string, unknown>;
  } else if (c.env) {
    envRaw = c.env;
  }
  let kernel = opts.kernel ?? c.kernel ?? (typeof envRaw.kernel === 'string' ? envRaw.kernel : DEFAULT_KERNEL);
  try {
    const overridden = c.env_overrides ? applyOverrides(envRaw, c.env_overrides) : envRaw;
    const env = parseInput(environment, overridden, !!opts.strict, warnings, `case ${c.id} environment`);
    if (!env.ok) return { ok: false, id: c.id, kernel, error: env.error };
    kernel = opts.kernel ?? c.kernel ?? env.value.kernel ?? DEFAULT_KERNEL;
    const profile = parseProfile(kernel);
    kernel = profile.version;
    const stepErr = validateSteps(c);
    if (stepErr) return { ok: false, id: c.id, kernel, error: stepErr };
    // A replay redoes work the run has already paid for, so it runs outside the run's tally.
    const build = (replay: boolean) =>
      buildSim(
        env.value,
        profile,
        new WorkBudget(opts.stepBudget, replay ? new RunTally(Infinity) : opts.tally, opts.progress),
      );
    return { ok: true, id: c.id, kernel, steps: c.steps, build };
  } catch (e) {
    return { ok: false, id: c.id, kernel, error: simulatorMessage(e) };
  }
}

export function runCase(
  raw: unknown,
  environments: Record<string, unknown>,
  opts: RunOptions,
  warnings: string[],
  sink: ResultSink,
): void {
  const c = prepareCase(raw, environments, opts, warnings);
  if (!c.ok) return failed(sink, c.id, c.kernel, c.error);
  // The environment is built here, not in runSteps: a group that cannot attach is bad input of the case.
  let sim: Sim;
  try {
    sim = c.build(false);
  } catch (e) {
    return failed(sink, c.id, c.kernel, simulatorMessage(e));
  }
  sink.beginCase(c.id, c.kernel);
  const r = runSteps(sim, c, sink);
  sink.endCase(r.final, r.error);
}

/** Every step's op and arguments are checked before anything runs ($refs stand in as 0). */
function validateSteps(c: CaseInput): string | null {
  for (const [i, s] of c.steps.entries()) {
    const def = opDef(s.op);
    if (!def) return `steps[${i}]: unknown op "${s.op}"`;
    const r = def.args.safeParse(replaceRefs(s.args, () => '0x0'));
    if (!r.success) return `steps[${i}] (${s.op}): ${formatIssues(r.error.issues)}`;
  }
  return null;
}

/** What `{"$ref": "steps[1].dma_addr"}` names: that output of an earlier step, or undefined when there is none. */
export function refValue(ref: string, refs: ReadonlyArray<Record<string, unknown> | undefined>): unknown {
  const m = /^steps\[(\d+)\]\.(\w+)$/.exec(ref);
  const step = m ? refs[Number(m[1])] : undefined;
  return step && Object.hasOwn(step, m![2]!) ? step[m![2]!] : undefined;
}

function replaceRefs(v: unknown, resolve: (ref: string) => unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => replaceRefs(x, resolve));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$ref === 'string' && Object.keys(o).length === 1) return resolve(o.$ref);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, replaceRefs(x, resolve)]));
  }
  return v;
}

export function formatIssues(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  return issues.map((i) => `${i.path.length ? i.path.map(String).join('.') + ': ' : ''}${i.message}`).join('; ');
}

/**
 * Runs one op; a BLOCKED result parks it on the simulation, and a step that wakes the vaddr waiters runs
 * the parked ones again (from the top, as the kernel's `goto again` does), reporting those that now
 * finish under `woken`.
 */
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function perform(sim: Sim, op: string, def: OpDef, args: unknown, step: number): Record<string, unknown> {
  const out = def.run(sim, args);
  const trace = sim.iommu.trace;
  const parked = sim.parked;
  if (out.ret === 'BLOCKED') {
    parked.push({ step, op, run: (again) => def.run(again, args) });
    return out;
  }
  if (!trace.wokeVaddrWaiters || parked.length === 0) return out;
  const woken: Array<Record<string, unknown>> = [];
  for (const p of [...parked]) {
    const [pathLength, reason] = [trace.path.length, trace.reason];
    trace.reason = null;
    const r = p.run(sim);
    const entry = { step: p.step, op: p.op, ...r, path: trace.path.splice(pathLength), reason: trace.reason };
    trace.reason = reason;
    if (r.ret === 'BLOCKED') continue;
    parked.splice(parked.indexOf(p), 1);
    woken.push(entry);
  }
  return woken.length > 0 ? { ...out, woken } : out;
}

/** What a step did to the case: go on, or stop the steps after it (and why). */
export interface StepOutcome {
  result: StepResult;
  /** Set when no later step runs: after a KERNEL_BUG, a vendor asleep in vfio_wait, or a simulator error. */
  stop: string | null;
  /** A simulator error: the state may be half-way through the step and must be rebuilt. */
  simError: string | null;
}

/**
 * Runs step `index` of a case on sim. `refs` holds what earlier steps reported (for $ref). A KERNEL_BUG or
 * a vendor asleep in vfio_wait stops the case with the state as it is at that point; a simulator error
 * (work budget, a bad $ref) leaves the state half-way and says so.
 */
export function executeStep(
  sim: Sim,
  s: CaseInput['steps'][number],
  index: number,
  refs: ReadonlyArray<Record<string, unknown>>,
  /**
   * Set when the step ran before and runs again only for the state it leaves (its result is not kept):
   * the arguments each step parsed the first time it was replayed, frozen, by step index.
   */
  replay?: Map<number, unknown>,
): StepOutcome {
  const def = opDef(s.op)!;
  const trace = sim.iommu.beginStep(replay !== undefined);
  try {
    let args = replay?.get(index);
    if (args === undefined) {
      args = def.args.parse(
        replaceRefs(s.args, (ref) => {
          const v = refValue(ref, refs);
          if (v === undefined || v === null)
            throw new Error(`$ref ${ref}: that step has no output "${/\.(\w+)$/.exec(ref)?.[1] ?? ''}"`);
          return v;
        }),
      );
      // Frozen: an op that changed its arguments would change every later replay of the step.
      if (replay) replay.set(index, deepFreeze(args));
    }
    const out = perform(sim, s.op, def, args, index);
    return {
      result: { op: s.op, ret: null, ...out, explain: explain(def.entry, trace) } as StepResult,
      stop: null,
      simError: null,
    };
  } catch (e) {
    if (e instanceof KernelBug || e instanceof VendorBlocked) {
      const bug = e instanceof KernelBug;
      return {
        result: {
          op: s.op,
          ret: bug ? 'KERNEL_BUG' : 'BLOCKED',
          ...vendorCallbackOutputs(sim),
          locked_vm_pages: sim.mm.lockedVmOut,
          explain: { ...explain(def.entry, trace), reason: e.message },
        },
        stop: bug ? 'after KERNEL_BUG' : 'after BLOCKED: the vendor driver sleeps in vfio_wait',
        simError: null,
      };
    }
    const msg = simulatorMessage(e);
    return { result: { op: s.op, ret: null, sim_error: msg }, stop: 'after a simulator error', simError: msg };
  }
}

/** What later steps may $ref: a step's outputs without its long lists. */
export function refsOf(r: StepResult): Record<string, unknown> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => !(v instanceof RowList)));
}

/**
 * Runs the steps in order, each result to the sink as soon as it is known. A step stopped by the simulator
 * (work budget, bad $ref) may have changed the state half-way, which no kernel state corresponds to; the
 * state before it is rebuilt by replaying the earlier steps on a fresh Sim (the engine is deterministic),
 * so `final` is the last consistent state.
 */
function runSteps(
  first: Sim,
  c: Extract<PreparedCase, { ok: true }>,
  sink: ResultSink,
): { final: Record<string, unknown>; error?: string } {
  let sim = first;
  const progress = sim.budget.progress;
  const refs: Array<Record<string, unknown>> = [];
  let stopped: string | null = null;
  let error: string | undefined;
  for (const [index, s] of c.steps.entries()) {
    progress?.();
    if (stopped) {
      const r = { op: s.op, ret: null, skipped: stopped };
      refs.push(r);
      sink.step(r);
      continue;
    }
    const o = executeStep(sim, s, index, refs);
    refs.push(refsOf(o.result));
    sink.step(o.result);
    stopped = o.stop;
    if (o.simError !== null) {
      error = `steps[${index}] (${s.op}): ${o.simError}`;
      sim = c.build(true);
      for (let k = 0; k < index; k++) executeStep(sim, c.steps[k]!, k, refs);
    }
  }
  const final = finalState(sim);
  if (sim.parked.length > 0) final.blocked_steps = sim.parked.map((p) => p.step);
  return { final, ...(error ? { error } : {}) };
}

/**
 * What a step the simulator stopped says: its own messages as they are; a JavaScript error (a TypeError or
 * RangeError from a shape nobody checked) is the model's bug, said as one.
 */
function simulatorMessage(e: unknown): string {
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError)
    return `the model failed on this step (${e.name}: ${e.message}); this is a bug in vgpu-dma-viz, please report it with the scenario`;
  return e instanceof Error ? e.message : String(e);
}

/** What the step explains: its kernel entry, the functions it went through, why an errno came back, WARNs. */
function explain(entry: string, trace: StepTrace): Record<string, unknown> {
  return {
    entry,
    path: trace.path,
    reason: trace.reason,
    ...(trace.warnings.length ? { warnings: trace.warnings } : {}),
  };
}
