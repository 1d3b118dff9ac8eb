// The engine as the Web Worker exposes it: a plain object, callable directly in Node tests.
// The page sees trimmed lists (each long list is cut, with its full count kept beside it).

import { compareConfig, type CompareRow } from '../model/engine/compare';
import { noSuchVendor, vendorConfig } from '../model/mdev/configs';
import { materialize } from '../model/engine/rows';
import { runFile } from '../model/engine/run';
import type { ResultsDoc, RunOptions } from '../model/engine/types';
import { STRATEGIES, trackingMemory, type MemoryCost } from '../model/mdev/tracking/memory';
import { z } from 'zod';
import { opDef, opNames } from '../model/engine/ops';
import type { Chain, Space } from '../model/inspect/follow';
import { envelope, type Envelope } from './protocol';
import { Session, type LoadInfo, type StateReply, type StepSummary } from './session';
import { runTwo, type TwoRuns, type Variant } from './two-runs';

/** Longest list a step result carries to the page; the CLI prints everything. */
export const PAGE_LIST_LIMIT = 200;

/** How long after answering a request the worker starts its idle work. */
const IDLE_AFTER_MS = 40;
/** How long one slice of idle work runs before requests that came meanwhile are answered. */
const IDLE_SLICE_MS = 4;

/** What the op panel needs to build a form: each op's kernel entry and its arguments as JSON Schema. */
export interface OpForm {
  op: string;
  entry: string;
  args: unknown;
}

export function createSimApi(progress?: () => void) {
  const session = new Session(progress);
  // The session's idle work (spare copies of its checkpoints) runs in slices of a few milliseconds between
  // requests, so a request waits for one slice at most. When none is queued, it starts a little after a
  // request is answered, once the page has drawn the reply: the two share the machine's cores (measured: a
  // jump's frame 3 ms sooner). Copies already under way (after a load) go on slice after slice.
  let idleQueued = false;
  const whenIdle = (after = IDLE_AFTER_MS) => {
    if (idleQueued) return;
    idleQueued = true;
    setTimeout(() => {
      idleQueued = false;
      if (session.prepareSpare(performance.now() + IDLE_SLICE_MS)) whenIdle(0);
    }, after);
  };
  return {
    /** Loads one case of a file for stepping (fromStep: an edit that keeps the steps before it). */
    load(doc: unknown, caseId?: string, opts: { kernel?: string; fromStep?: number } = {}): Envelope<LoadInfo> {
      const info = session.load(doc, caseId, opts);
      whenIdle();
      return envelope(info);
    },
    /** Summaries of steps [from, from + count) of the loaded case. */
    steps(from: number, count: number): Envelope<StepSummary[]> {
      return envelope(session.steps(from, count));
    },
    /** The state after `cursor` steps, its typed arrays moved to the page. */
    state(cursor: number): Envelope<StateReply> {
      const reply = session.state(cursor);
      whenIdle();
      return envelope(reply);
    },
    /** The chain of one address (hex bytes) in one space at the current step. */
    follow(cursor: number, space: Space, addr: string): Envelope<Chain> {
      const chain = session.follow(cursor, space, BigInt(addr));
      whenIdle();
      return envelope(chain);
    },
    /** Every op the format knows, with its arguments as JSON Schema. */
    opForms(): Envelope<OpForm[]> {
      return envelope(
        opNames()
          .sort()
          .map((op) => ({
            op,
            entry: opDef(op)!.entry,
            args: z.toJSONSchema(opDef(op)!.args, { io: 'input', unrepresentable: 'any' }),
          })),
      );
    },
    /** Runs a case/scenario file (already parsed JSON) and returns the results document. */
    run(doc: unknown, opts: RunOptions = {}): ResultsDoc {
      return materialize(runFile(doc, { ...opts, progress }), PAGE_LIST_LIMIT) as ResultsDoc;
    },
    /** The file under one vendor model (a VENDOR_CONFIGS label): one cost row per case. */
    compareOne(doc: unknown, label: string): { rows: CompareRow[]; error?: string } {
      const cfg = vendorConfig(label);
      if (!cfg) return { rows: [], error: noSuchVendor(label) };
      return compareConfig(doc, cfg, { progress });
    },
    /** One case under two kernel profiles or vendor models, compared step by step. */
    twoRuns(doc: unknown, caseId: string, a: Variant, b: Variant): TwoRuns {
      return runTwo(doc, caseId, a, b, progress);
    },
    /**
     * The seed thread's example: one 512 MiB region, every design, with every page pinned and with a sparse
     * working set (1,000 pages spread over the region).
     */
    seedExample(): { pinAll: MemoryCost[]; sparse: MemoryCost[] } {
      const region = { gfn: 0x100000, npages: 131072 };
      const all = Array.from({ length: region.npages }, (_, k) => region.gfn + k);
      const sparse = Array.from({ length: 1000 }, (_, k) => region.gfn + ((k * 7919) % region.npages));
      return {
        pinAll: STRATEGIES.map((s) => trackingMemory(s, [region], all)),
        sparse: STRATEGIES.map((s) => trackingMemory(s, [region], sparse)),
      };
    },
  };
}

export type SimApi = ReturnType<typeof createSimApi>;
