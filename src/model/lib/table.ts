// Columns of numbers, one Float64Array per field: how the inspection functions hand a step's state to
// the views. A 1 TiB guest's half a million page-table runs are five arrays, moved to the page in a
// worker message's transfer list, not half a million objects cloned. No kernel analogue.

import { giveF64, giveUnder, keptCopy, takeF64 } from './scratch';

export interface Table<K extends string> {
  length: number;
  cols: Record<K, Float64Array>;
}

export class TableBuilder<K extends string> {
  /** Columns taken from the scratch list (lengths may differ: `cap` is the shortest). */
  private data: Float64Array[];
  private cap: number;
  private readonly column = {} as Record<K, number>;
  length = 0;

  constructor(
    readonly keys: readonly K[],
    capacity = 64,
  ) {
    this.data = keys.map(() => takeF64(capacity));
    this.cap = Math.min(...this.data.map((d) => d.length));
    keys.forEach((k, i) => (this.column[k] = i));
  }

  /** Appends one row: values in the order of `keys`. */
  push(...values: number[]): void {
    if (this.length === this.cap) this.grow();
    for (let c = 0; c < this.data.length; c++) this.data[c]![this.length] = values[c]!;
    this.length++;
  }

  /** The value of column `key` in the last row pushed. */
  last(key: K): number {
    return this.data[this.column[key]]![this.length - 1]!;
  }

  /** Changes column `key` of the last row pushed (a run grows). */
  setLast(key: K, v: number): void {
    this.data[this.column[key]]![this.length - 1] = v;
  }

  /** The rows pushed, in arrays of their own; the builder's buffers go back to the scratch list. */
  build(): Table<K> {
    const cols = {} as Record<K, Float64Array>;
    this.keys.forEach((k, c) => (cols[k] = keptCopy(this.data[c]!, this.length)));
    for (const d of this.data) giveF64(d);
    this.data = [];
    this.cap = -1;
    return { length: this.length, cols };
  }

  private grow(): void {
    this.data = this.data.map((d) => {
      const bigger = takeF64(this.cap * 2);
      bigger.set(d.subarray(0, this.length));
      giveF64(d);
      return bigger;
    });
    this.cap = Math.min(...this.data.map((d) => d.length));
  }
}

export function emptyTable<K extends string>(keys: readonly K[]): Table<K> {
  return new TableBuilder(keys, 1).build();
}

/** Every ArrayBuffer under v: what a worker message moves instead of copying. */
export function buffersOf(v: unknown, out: Set<ArrayBuffer> = new Set()): ArrayBuffer[] {
  if (v && typeof v === 'object') {
    if (ArrayBuffer.isView(v)) out.add(v.buffer as ArrayBuffer);
    else if (Array.isArray(v)) for (const x of v) buffersOf(x, out);
    else for (const x of Object.values(v)) buffersOf(x, out);
  }
  return [...out];
}

/** A copy of v whose typed arrays are copies too (what a reply keeps after moving the originals away). */
export function copyTables<T>(v: T): T {
  if (!v || typeof v !== 'object') return v;
  if (v instanceof Float64Array) return keptCopy(v) as unknown as T;
  if (ArrayBuffer.isView(v)) return (v as unknown as Float64Array).slice() as unknown as T;
  if (Array.isArray(v)) return v.map(copyTables) as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = copyTables(x);
  return out as T;
}

/**
 * Gives back to the scratch list the columns of tables that are garbage now, except those whose buffer
 * something under `kept` still uses (a table an edit changed in place lives on in the new state).
 */
export function giveTablesBack(
  old: ReadonlyArray<{ cols: Record<string, Float64Array> } | null | undefined>,
  kept: unknown,
): void {
  const inUse = new Set(buffersOf(kept));
  for (const t of old)
    for (const a of Object.values(t?.cols ?? {}))
      if (!inUse.has(a.buffer as ArrayBuffer)) {
        inUse.add(a.buffer as ArrayBuffer);
        giveUnder(a);
      }
}
