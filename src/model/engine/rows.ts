// Long result lists (pin chunks, iommu_map calls, bitmap words, pfn_list) as columns read on demand: the
// CLI streams them row by row into its output, the page takes the first few, the judge compares them.
// No kernel analogue: a 1 TiB MAP_DMA reports half a million chunks, and one object per chunk would
// cost more than the model's whole state.

import { hex, hexPage } from '../addr';

/**
 * How a column prints (case-format.md §1): `hex` a number as "0x…", `page` a page number as the hex byte
 * address, `word` a u64 bigint as hex, `int` a count, `bool` 0/1 as false/true, `str` a string.
 */
export type ColumnKind = 'hex' | 'page' | 'word' | 'int' | 'bool' | 'str';

export interface RowColumn {
  key: string;
  kind: ColumnKind;
}

export type Cell = number | bigint | string;

export class RowList {
  constructor(
    /** Rows are objects with these keys; a list of one column with key '' holds plain values. */
    readonly columns: readonly RowColumn[],
    readonly length: number,
    /** The raw cell: row i, column c. */
    readonly cell: (i: number, c: number) => Cell,
    /** The same cells a column at a time, for writers that walk half a million rows (one call per cell). */
    readonly columnCells: ReadonlyArray<(i: number) => Cell> = columns.map((_, c) => (i: number) => cell(i, c)),
  ) {}

  get scalar(): boolean {
    return this.columns.length === 1 && this.columns[0]!.key === '';
  }

  /** Row i as the case format prints it. */
  row(i: number): unknown {
    if (this.scalar) return formatCell(this.columns[0]!.kind, this.cell(i, 0));
    const out: Record<string, unknown> = {};
    this.columns.forEach((col, c) => (out[col.key] = formatCell(col.kind, this.cell(i, c))));
    return out;
  }

  /** The first `limit` rows as plain values. */
  toArray(limit = Infinity): unknown[] {
    const n = Math.min(limit, this.length);
    const out: unknown[] = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = this.row(i);
    return out;
  }
}

export function formatCell(kind: ColumnKind, v: Cell): unknown {
  switch (kind) {
    case 'hex':
    case 'word':
      return hex(v as number | bigint);
    case 'page':
      return hexPage(v as number);
    case 'int':
      return v;
    case 'bool':
      return v === 1;
    case 'str':
      return v;
  }
}

/** A list of plain values (bitmap words, pfns). */
export function valueList(kind: ColumnKind, length: number, at: (i: number) => Cell): RowList {
  return new RowList([{ key: '', kind }], length, (i) => at(i));
}

/**
 * The results as plain JSON-ready values: row lists become arrays, and every list longer than `limit` is
 * cut to its first `limit` entries, with `<key>_total` beside it giving the full length (the page's view).
 */
export function materialize(v: unknown, limit = Infinity): unknown {
  if (v instanceof RowList) return v.toArray(limit);
  if (Array.isArray(v)) return v.slice(0, Math.min(v.length, limit)).map((x) => materialize(x, limit));
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = materialize(x, limit);
    const n = x instanceof RowList || Array.isArray(x) ? x.length : 0;
    if (n > limit) out[`${k}_total`] = n;
  }
  return out;
}
