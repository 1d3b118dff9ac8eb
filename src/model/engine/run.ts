// Entry point of the engine: a parsed case/scenario file in, a results document out (case-format.md §5).
// Bad input in one case gives that case an error and no steps; the other cases still run.

import { BudgetExceeded } from '../budget';
import { DEFAULT_KERNEL, parseProfile } from '../profile';
import { CASE_SCHEMA, caseSchema, environment, fileSchema, type CaseInput } from '../scenario/schema';
import { parseInput } from '../scenario/validate';
import { KernelBug } from '../vfio/iommu';
import { applyOverrides, buildSim } from './env';
import { finalState } from './final';
import { vendorCallbackOutputs } from './outputs';
import { OPS } from './ops';
import type { Sim } from './sim';
import { RESULTS_SCHEMA, type CaseResult, type ResultsDoc, type RunOptions, type StepResult } from './types';

export function runFile(doc: unknown, opts: RunOptions = {}): ResultsDoc {
  const warnings: string[] = [];
  const file = parseInput(fileSchema, doc, !!opts.strict, warnings, 'file');
  if (!file.ok) {
    const schema = (doc as { schema?: unknown } | null)?.schema;
    const why =
      schema !== CASE_SCHEMA ? `not a "${CASE_SCHEMA}" file (schema is ${JSON.stringify(schema)})` : file.error;
    return { schema: RESULTS_SCHEMA, error: why, cases: [] };
  }
  const cases: CaseResult[] = [];
  for (const raw of file.value.cases) {
    const id = (raw as { id?: unknown } | null)?.id;
    if (opts.caseId !== undefined && id !== opts.caseId) continue;
    cases.push(runCase(raw, file.value.environments, opts, warnings));
  }
  if (opts.caseId !== undefined && cases.length === 0) {
    return { schema: RESULTS_SCHEMA, error: `no case with id "${opts.caseId}"`, cases: [] };
  }
  return { schema: RESULTS_SCHEMA, cases, ...(warnings.length ? { warnings } : {}) };
}

function failed(id: string, kernel: string, error: string): CaseResult {
  return { id, kernel, steps: [], final: {}, error };
}

export function runCase(
  raw: unknown,
  environments: Record<string, unknown>,
  opts: RunOptions,
  warnings: string[],
): CaseResult {
  const rawId = (raw as { id?: unknown } | null)?.id;
  const label = typeof rawId === 'string' ? rawId : '(no id)';
  const parsed = parseInput(caseSchema, raw, !!opts.strict, warnings, `case ${label}`);
  if (!parsed.ok) return failed(label, opts.kernel ?? DEFAULT_KERNEL, parsed.error);
  const c = parsed.value;
  let envRaw: Record<string, unknown> = {};
  if (typeof c.env === 'string') {
    const named = environments[c.env];
    if (!named || typeof named !== 'object')
      return failed(
        c.id,
        opts.kernel ?? c.kernel ?? DEFAULT_KERNEL,
        `environment "${c.env}" is not defined in this file`,
      );
    envRaw = named as Record<string, unknown>;
  } else if (c.env) {
    envRaw = c.env;
  }
  let kernelVersion = opts.kernel ?? c.kernel ?? (typeof envRaw.kernel === 'string' ? envRaw.kernel : DEFAULT_KERNEL);
  try {
    const overridden = c.env_overrides ? applyOverrides(envRaw, c.env_overrides) : envRaw;
    const env = parseInput(environment, overridden, !!opts.strict, warnings, `case ${c.id} environment`);
    if (!env.ok) return failed(c.id, kernelVersion, env.error);
    kernelVersion = opts.kernel ?? c.kernel ?? env.value.kernel ?? DEFAULT_KERNEL;
    const profile = parseProfile(kernelVersion);
    const stepErr = validateSteps(c);
    if (stepErr) return failed(c.id, profile.version, stepErr);
    const build = () => buildSim(env.value, profile, opts.stepBudget);
    return { id: c.id, kernel: profile.version, ...runSteps(build, c) };
  } catch (e) {
    return failed(c.id, kernelVersion, e instanceof Error ? e.message : String(e));
  }
}

/** Every step's op and arguments are checked before anything runs ($refs stand in as 0). */
function validateSteps(c: CaseInput): string | null {
  for (const [i, s] of c.steps.entries()) {
    const def = OPS[s.op];
    if (!def) return `steps[${i}]: unknown op "${s.op}"`;
    const r = def.args.safeParse(replaceRefs(s.args, () => '0x0'));
    if (!r.success) return `steps[${i}] (${s.op}): ${formatIssues(r.error.issues)}`;
  }
  return null;
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
 * Runs the steps in order. A step stopped by the simulator (work budget, bad $ref) may have changed the
 * state half-way, which no kernel state corresponds to; the state before it is rebuilt by replaying the
 * earlier steps on a fresh Sim (the engine is deterministic), so `final` is the last consistent state.
 */
function runSteps(
  build: () => Sim,
  c: CaseInput,
): { steps: StepResult[]; final: Record<string, unknown>; error?: string } {
  let sim = build();
  const done: Array<{ run: (sim: Sim) => void }> = [];
  const steps: StepResult[] = [];
  let stopped: string | null = null;
  let error: string | undefined;
  for (const s of c.steps) {
    if (stopped) {
      steps.push({ op: s.op, ret: null, skipped: stopped });
      continue;
    }
    const def = OPS[s.op]!;
    const trace = sim.iommu.beginStep();
    try {
      const args = def.args.parse(
        replaceRefs(s.args, (ref) => {
          const m = /^steps\[(\d+)\]\.(\w+)$/.exec(ref)!;
          const v = steps[Number(m[1])]?.[m[2]!];
          if (v === undefined || v === null) throw new Error(`$ref ${ref}: that step has no output "${m[2]}"`);
          return v;
        }),
      );
      const out = def.run(sim, args);
      done.push({ run: (again) => def.run(again, args) });
      steps.push({
        op: s.op,
        ret: null,
        ...out,
        explain: { entry: def.entry, path: trace.path, reason: trace.reason },
      } as StepResult);
    } catch (e) {
      if (e instanceof KernelBug) {
        steps.push({
          op: s.op,
          ret: 'KERNEL_BUG',
          ...vendorCallbackOutputs(sim),
          locked_vm_pages: sim.mm.lockedVm,
          explain: { entry: def.entry, path: trace.path, reason: e.message },
        });
        stopped = 'after KERNEL_BUG';
      } else {
        const msg = e instanceof BudgetExceeded || e instanceof Error ? e.message : String(e);
        steps.push({ op: s.op, ret: null, sim_error: msg });
        stopped = 'after a simulator error';
        error = `steps[${steps.length - 1}] (${s.op}): ${msg}`;
        sim = build();
        for (const d of done) {
          sim.iommu.beginStep();
          d.run(sim);
        }
      }
    }
  }
  return { steps, final: finalState(sim), ...(error ? { error } : {}) };
}
