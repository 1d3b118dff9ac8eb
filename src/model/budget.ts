// Bounds the work one step may do, so that a 1 TiB fragmented guest (268M single-page chunks) stops
// with a clear message instead of hanging the CLI or the worker. No kernel analogue: the kernel
// would simply take minutes; a simulator must not.

export class BudgetExceeded extends Error {
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(
      `work budget exceeded: ${what} needs more than ${limit.toLocaleString('en-US')} units of work in one step; ` +
        'use a smaller guest, a coarser memory layout (contiguous or hugepages), or raise the budget',
    );
    this.name = 'BudgetExceeded';
  }
}

/** One unit ≈ one chunk, leaf PTE, table page or tree node touched. */
export const DEFAULT_STEP_BUDGET = 1 << 25;

export class WorkBudget {
  private used = 0;
  constructor(readonly limit: number = DEFAULT_STEP_BUDGET) {}

  /** Start a new step: the budget is per step, not per case. */
  reset(): void {
    this.used = 0;
  }

  spend(units: number, what: string): void {
    this.used += units;
    if (this.used > this.limit) throw new BudgetExceeded(what, this.limit);
  }

  get spent(): number {
    return this.used;
  }
}
