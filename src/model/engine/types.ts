// The runner's result document (case-format.md §5): what one engine produces for the CLI, the unit
// tests and the Web Worker alike.

import type { RunTally } from '../budget';

export const RESULTS_SCHEMA = 'vgpu-dma-sim/results/1';

export type StepRet = number | string | null;

export interface StepResult {
  op: string;
  ret: StepRet;
  /** Set on steps after a KERNEL_BUG. */
  skipped?: string;
  /** A step that stopped on the work budget or was otherwise refused by the simulator. */
  sim_error?: string;
  [output: string]: unknown;
}

export interface CaseResult {
  id: string;
  kernel: string;
  steps: StepResult[];
  final: Record<string, unknown>;
  /** Only when the case could not be run (bad input): a clear message. */
  error?: string;
}

export interface ResultsDoc {
  schema: typeof RESULTS_SCHEMA;
  cases: CaseResult[];
  /** Only when the file itself is not JSON or not this schema. */
  error?: string;
  /** Non-fatal findings such as unknown keys outside --strict. */
  warnings?: string[];
}

export interface RunOptions {
  /** Run only this case id. */
  caseId?: string;
  /** Override every case's kernel profile. */
  kernel?: string;
  /** Unknown keys are errors instead of warnings. */
  strict?: boolean;
  /** Work units one step may spend (see budget.ts). */
  stepBudget?: number;
  /** Work units the whole run may spend. */
  runBudget?: number;
  /** A tally shared with other runs (compare runs one file per vendor model under one bound). */
  tally?: RunTally;
  /** Called every few milliseconds of work (the worker's heartbeat). */
  progress?: () => void;
}
