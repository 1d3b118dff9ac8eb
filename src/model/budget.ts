// Bounds the work one step may do, and the work of a whole run, so that a 1 TiB fragmented guest (268M
// single-page chunks), a bitmap of 33M words or a file of ten 10M-access workloads stops with a clear
// message instead of hanging the CLI or the worker. No kernel analogue: the kernel would simply take
// minutes; a simulator must not.

export class BudgetExceeded extends Error {
  constructor(
    readonly what: string,
    readonly limit: number,
    readonly scope: 'step' | 'run',
  ) {
    super(
      scope === 'step'
        ? `work budget exceeded: ${what} needs more than ${limit.toLocaleString('en-US')} units of work in one step; ` +
            'use a smaller guest, a coarser memory layout (contiguous or hugepages), or raise the budget (--budget)'
        : `work budget exceeded: the run needs more than ${limit.toLocaleString('en-US')} units of work in all ` +
            `(stopped while ${what}); run fewer or smaller steps, or raise the run budget (--run-budget)`,
    );
    this.name = 'BudgetExceeded';
  }
}

/** One unit ≈ one chunk, leaf PTE, table page, tree node or guest-page access; an output row costs 4. */
export const DEFAULT_STEP_BUDGET = 1 << 25;
/** Work of a whole run (all cases; for compare, all vendor models): about a minute on a 2024 laptop. */
export const DEFAULT_RUN_BUDGET = 1 << 26;
/** What one reported row (a chunk, a map call, a bitmap word) costs: writing it costs more than finding it. */
export const OUTPUT_ROW_UNITS = 4;
/** What one 4 KiB guest-page access of a vGPU workload costs: a vendor lookup, maybe a pin and a DMA map. */
export const WORKLOAD_ACCESS_UNITS = 3;

/** The work a whole run has done, shared by every step's budget of that run. */
export class RunTally {
  spent = 0;
  constructor(readonly limit: number = DEFAULT_RUN_BUDGET) {}
}

export class WorkBudget {
  private used = 0;
  constructor(
    readonly limit: number = DEFAULT_STEP_BUDGET,
    readonly run: RunTally = new RunTally(),
    /** Called now and then while work is done (the worker's heartbeat to the page). */
    readonly progress: (() => void) | null = null,
  ) {}

  /** Start a new step: the step budget is per step; the run tally carries on. */
  reset(): void {
    this.used = 0;
  }

  spend(units: number, what: string): void {
    this.used += units;
    if (this.used > this.limit) throw new BudgetExceeded(what, this.limit, 'step');
    const before = this.run.spent;
    this.run.spent = before + units;
    if (this.run.spent > this.run.limit) throw new BudgetExceeded(what, this.run.limit, 'run');
    // Every 2^16 units is a few milliseconds of work.
    if (this.progress && Math.floor(before / 65536) !== Math.floor(this.run.spent / 65536)) this.progress();
  }

  get spent(): number {
    return this.used;
  }
}
