// Growable column-oriented record log: one Float64Array per field, so that hundreds of thousands of
// pin chunks or map calls cost a few bytes each instead of one JS object each. No kernel analogue.

export class ColumnLog<K extends string> {
  private cols: Record<K, Float64Array>;
  private n = 0;
  private cap: number;

  constructor(
    readonly fields: readonly K[],
    initialCapacity = 16,
  ) {
    this.cap = initialCapacity;
    this.cols = {} as Record<K, Float64Array>;
    for (const f of fields) this.cols[f] = new Float64Array(initialCapacity);
  }

  get length(): number {
    return this.n;
  }

  push(row: Record<K, number>): void {
    if (this.n === this.cap) this.grow();
    for (const f of this.fields) this.cols[f][this.n] = row[f];
    this.n++;
  }

  /** Column view of the first `length` rows (shares memory; copy before keeping it). */
  column(f: K): Float64Array {
    return this.cols[f].subarray(0, this.n);
  }

  get(i: number, f: K): number {
    return this.cols[f][i]!;
  }

  row(i: number): Record<K, number> {
    const r = {} as Record<K, number>;
    for (const f of this.fields) r[f] = this.cols[f][i]!;
    return r;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    this.cap *= 2;
    for (const f of this.fields) {
      const next = new Float64Array(this.cap);
      next.set(this.cols[f]);
      this.cols[f] = next;
    }
  }
}
