// One case run twice, under two kernel profiles or two vendor models, and compared step by step: which
// steps' return values, outputs or kernel paths differ, with what each run says it did. The page's
// "two runs" view draws this.

import { noSuchVendor, vendorConfig, withVendor } from '../model/mdev/configs';
import { materialize } from '../model/engine/rows';
import { runFile } from '../model/engine/run';
import type { StepResult, StepRet } from '../model/engine/types';
import { narrate } from '../narrate/narrate';

/** A kernel profile ("6.18") or null for the case's own; a vendor model's label or null for the scenario's. */
export interface Variant {
  kernel: string | null;
  vendor: string | null;
}

export interface RunSide {
  ret: StepRet;
  narration: string;
  reason: string | null;
}

export interface TwoRunStep {
  index: number;
  op: string;
  a: RunSide;
  b: RunSide;
  /** The outputs that differ, by name ("ret", "locked_vm_pages", "kernel path" …); empty when the runs agree. */
  differs: string[];
}

export interface TwoRuns {
  /** The profile each run used in the end (the case's own when the variant named none). */
  kernels: [string, string];
  /** The first MAX_ROWS steps. */
  steps: TwoRunStep[];
  total: number;
  /** Steps that differ among all of them, not only those sent. */
  differing: number;
  error: string | null;
}

/** Steps sent to the page, and how many of the differing ones carry both runs' words: one message stays small. */
const MAX_ROWS = 400;
const MAX_EXPLAINED = 60;
/** List outputs are compared on their first rows, as the page shows them. */
const LIST_LIMIT = 200;

function variantDoc(doc: unknown, v: Variant): { doc: unknown; error: string | null } {
  if (v.vendor === null) return { doc, error: null };
  const cfg = vendorConfig(v.vendor);
  return cfg ? { doc: withVendor(doc, cfg.vendor), error: null } : { doc, error: noSuchVendor(v.vendor) };
}

type Explain = { path?: string[]; reason?: string | null } | undefined;

/** Each output as comparable text, the kernel path (each function once) and the reason included. */
function outputs(r: StepResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(materialize(r, LIST_LIMIT) as Record<string, unknown>)) {
    if (k === 'explain' || k === 'woken') continue;
    out.set(k, JSON.stringify(v) ?? 'null');
  }
  const e = r.explain as Explain;
  out.set('kernel path', JSON.stringify([...new Set(e?.path ?? [])]));
  out.set('reason', JSON.stringify(e?.reason ?? null));
  return out;
}

function differences(a: StepResult | undefined, b: StepResult | undefined): string[] {
  if (!a || !b) return ['ran'];
  const oa = outputs(a);
  const ob = outputs(b);
  const keys = [...new Set([...oa.keys(), ...ob.keys()])];
  return keys.filter((k) => oa.get(k) !== ob.get(k));
}

function side(
  input: { op: string; args?: Record<string, unknown> },
  r: StepResult | undefined,
  refs: StepResult[],
  explain: boolean,
): RunSide {
  if (!r) return { ret: null, narration: 'Not run.', reason: null };
  return {
    ret: r.ret,
    narration: explain ? narrate(input, r, refs) : '',
    reason: explain ? ((r.explain as Explain)?.reason ?? null) : null,
  };
}

export function runTwo(doc: unknown, caseId: string, a: Variant, b: Variant, progress?: () => void): TwoRuns {
  const empty = (error: string): TwoRuns => ({ kernels: ['', ''], steps: [], total: 0, differing: 0, error });
  const da = variantDoc(doc, a);
  const db = variantDoc(doc, b);
  if (da.error || db.error) return empty((da.error ?? db.error)!);
  const run = (d: unknown, v: Variant) =>
    runFile(d, { caseId, progress, ...(v.kernel !== null ? { kernel: v.kernel } : {}) });
  const ra = run(da.doc, a);
  const rb = run(db.doc, b);
  const ca = ra.cases[0];
  const cb = rb.cases[0];
  if (ra.error || rb.error || !ca || !cb) return empty(ra.error ?? rb.error ?? `no case with id "${caseId}"`);
  if (ca.error || cb.error) return empty(`${ca.error ? 'A' : 'B'}: ${(ca.error ?? cb.error)!}`);
  const inputs =
    ((doc as { cases?: Array<{ id?: unknown; steps?: unknown }> }).cases ?? []).find((c) => c?.id === caseId)?.steps ??
    [];
  const steps: TwoRunStep[] = [];
  let differing = 0;
  let explained = 0;
  const total = Math.max(ca.steps.length, cb.steps.length);
  for (let i = 0; i < total; i++) {
    const sa = ca.steps[i];
    const sb = cb.steps[i];
    const differs = differences(sa, sb);
    if (differs.length > 0) differing++;
    if (i >= MAX_ROWS) continue;
    const input = ((inputs as unknown[])[i] ?? { op: sa?.op ?? sb?.op ?? '' }) as {
      op: string;
      args?: Record<string, unknown>;
    };
    // Where the runs agree the page says so; the words are for the steps that differ.
    const explain = differs.length > 0 && explained++ < MAX_EXPLAINED;
    steps.push({
      index: i,
      op: (sa ?? sb)!.op,
      a: side(input, sa, ca.steps, explain),
      b: side(input, sb, cb.steps, explain),
      differs,
    });
  }
  return { kernels: [ca.kernel, cb.kernel], steps, total, differing, error: null };
}
