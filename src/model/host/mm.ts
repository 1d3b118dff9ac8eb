// The mm_struct fields type1 charges (mm->locked_vm) and the task limits it checks: RLIMIT_MEMLOCK and
// CAP_IPC_LOCK, as mm/util.c __account_locked_vm does it.

export class Mm {
  constructor(
    /** RLIMIT_MEMLOCK >> PAGE_SHIFT. */
    readonly limitPages: number,
    readonly capIpcLock: boolean,
    public lockedVm: number,
  ) {}

  /** __account_locked_vm: 0, or false when an increase would pass the limit without the bypass. */
  accountLockedVm(pages: number, inc: boolean, bypassRlim: boolean): boolean {
    if (inc) {
      if (!bypassRlim && this.lockedVm + pages > this.limitPages) return false;
      this.lockedVm += pages;
    } else {
      // The kernel WARNs and clamps rather than going negative.
      this.lockedVm -= Math.min(pages, this.lockedVm);
    }
    return true;
  }
}
