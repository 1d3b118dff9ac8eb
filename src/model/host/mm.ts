// The mm_struct fields type1 charges (mm->locked_vm) and the task limits it checks: RLIMIT_MEMLOCK and
// CAP_IPC_LOCK, as mm/util.c __account_locked_vm does it. locked_vm is an unsigned long: an uncharge of
// more than is charged WARNs once and wraps, and every later comparison is unsigned.

const U64 = 1n << 64n;

/** The unsigned long a signed page count stands for (negative = wrapped below zero). */
function asU64(pages: number): bigint {
  return pages < 0 ? U64 + BigInt(pages) : BigInt(pages);
}

export class Mm {
  /** Warned once already (WARN_ON_ONCE). */
  private warned = false;

  constructor(
    /** RLIMIT_MEMLOCK >> PAGE_SHIFT. */
    readonly limitPages: number,
    readonly capIpcLock: boolean,
    /** mm->locked_vm as a signed count: below zero it has wrapped to 2^64 − |lockedVm|. */
    public lockedVm: number,
  ) {}

  /** `mm->locked_vm + pages > limit` in unsigned long arithmetic (a wrapped counter plus pages may wrap back). */
  exceeds(pages: number, limit: number): boolean {
    const sum = this.lockedVm + pages;
    return sum < 0 || sum > limit;
  }

  /**
   * vfio_pin_pages_remote checks `mm->locked_vm + lock_acct + 1 > limit` before charging each page: the
   * 1-based number of the first page of a run that fails it.
   */
  firstPageOver(limit: number): number {
    return this.lockedVm + 1 < 0 || this.lockedVm >= limit ? 1 : limit - this.lockedVm + 1;
  }

  /**
   * __account_locked_vm: false when an increase would pass the limit without the bypass. A decrease of more
   * than is charged WARNs (once per mm, returned as its text) and wraps, as the unsigned counter does.
   */
  accountLockedVm(pages: number, inc: boolean, bypassRlim: boolean): { ok: boolean; warning: string | null } {
    if (inc) {
      if (!bypassRlim && this.exceeds(pages, this.limitPages)) return { ok: false, warning: null };
      this.lockedVm += pages;
      return { ok: true, warning: null };
    }
    let warning: string | null = null;
    if (pages > this.lockedVm && this.lockedVm >= 0 && !this.warned) {
      this.warned = true;
      warning =
        `WARN_ON_ONCE(pages > locked_vm) in __account_locked_vm: uncharging ${pages} page(s) with locked_vm ${this.lockedVm}; ` +
        `the unsigned counter wraps to ${asU64(this.lockedVm - pages)}`;
    }
    this.lockedVm -= pages;
    return { ok: true, warning };
  }

  /** locked_vm as the case format prints it: the unsigned value (a bigint once it has wrapped). */
  get lockedVmOut(): number | bigint {
    return this.lockedVm < 0 ? asU64(this.lockedVm) : this.lockedVm;
  }
}
