// The first domain's leaves as runs: consecutive PTEs of one level whose iova and host pages both follow on
// and whose low 12 bits are equal merge into one run. Written column by column into growable Float64Arrays
// (a 1 TiB guest on 2 MiB pages is half a million leaves); the whole table or only some iova ranges of it
// are read, and runs of an earlier reading pushed in between merge with them. No kernel analogue.

import { levelPages } from '../iommu/vtd/pte';
import type { VtdPageTable } from '../iommu/vtd/table';
import { giveF64, keptCopy, takeF64 } from '../lib/scratch';
import type { Table } from '../lib/table';

export type RunKey = 'iova' | 'pfn' | 'pages' | 'level' | 'bits';
export type RunTable = Table<RunKey>;

export class RunWriter {
  iova: Float64Array;
  pfn: Float64Array;
  pages: Float64Array;
  level: Float64Array;
  bits: Float64Array;
  length = 0;

  /** Rows the columns hold (each column may be longer: they come from the scratch list). */
  private cap: number;

  constructor(capacity = 1024) {
    this.iova = takeF64(capacity);
    this.pfn = takeF64(capacity);
    this.pages = takeF64(capacity);
    this.level = takeF64(capacity);
    this.bits = takeF64(capacity);
    this.cap = this.shortest();
  }

  /** Appends a run, or grows the last one when the new one continues it. */
  push(iova: number, pfn: number, pages: number, level: number, bits: number): void {
    const n = this.length;
    if (
      n > 0 &&
      this.level[n - 1] === level &&
      this.bits[n - 1] === bits &&
      this.iova[n - 1]! + this.pages[n - 1]! === iova &&
      this.pfn[n - 1]! + this.pages[n - 1]! === pfn
    ) {
      this.pages[n - 1]! += pages;
      return;
    }
    this.reserve(n + 1);
    this.iova[n] = iova;
    this.pfn[n] = pfn;
    this.pages[n] = pages;
    this.level[n] = level;
    this.bits[n] = bits;
    this.length = n + 1;
  }

  /** Every leaf of `table` overlapping [lo, hi), in iova order. */
  read(table: VtdPageTable, lo?: number, hi?: number): void {
    table.forEachLeafEntry(
      (iova, level, value) => {
        const pfn = Math.floor(value / 4096);
        this.push(iova, pfn, levelPages(level), level, value - pfn * 4096);
      },
      lo,
      hi,
    );
  }

  build(): RunTable {
    const n = this.length;
    const cols = [this.iova, this.pfn, this.pages, this.level, this.bits];
    // Views on the arrays when little of them is unused (a patched table is sized to fit): no copy, and the
    // arrays are the table's from now on. Otherwise copies, and the arrays go back to the scratch list.
    const view = cols.every((c) => n >= c.length - (c.length >> 4));
    const cut = (c: Float64Array) => (view ? c.subarray(0, n) : keptCopy(c, n));
    const table = {
      length: n,
      cols: {
        iova: cut(this.iova),
        pfn: cut(this.pfn),
        pages: cut(this.pages),
        level: cut(this.level),
        bits: cut(this.bits),
      },
    };
    if (!view) for (const c of cols) giveF64(c);
    return table;
  }

  private shortest(): number {
    return Math.min(this.iova.length, this.pfn.length, this.pages.length, this.level.length, this.bits.length);
  }

  private reserve(n: number): void {
    if (n <= this.cap) return;
    const cap = Math.max(n, this.cap * 2);
    const grow = (a: Float64Array) => {
      const b = takeF64(cap);
      b.set(a.subarray(0, this.length));
      giveF64(a);
      return b;
    };
    this.iova = grow(this.iova);
    this.pfn = grow(this.pfn);
    this.pages = grow(this.pages);
    this.level = grow(this.level);
    this.bits = grow(this.bits);
    this.cap = this.shortest();
  }
}
