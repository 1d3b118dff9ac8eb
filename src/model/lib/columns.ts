// Growable record log of up to five numeric fields, stored in fixed-size Float64Array blocks: hundreds of
// thousands of pin chunks or map calls cost 40 bytes each, with no per-row object and no copying as the
// log grows. No kernel analogue.

const BLOCK_SHIFT = 12;
const BLOCK_ROWS = 1 << BLOCK_SHIFT;
const STRIDE = 5;

export class ColumnLog<K extends string> {
  private readonly blocks: Float64Array[] = [];
  private cur: Float64Array = new Float64Array(0);
  private off = 0;
  private n = 0;

  constructor(readonly fields: readonly K[]) {
    if (fields.length > STRIDE) throw new Error(`ColumnLog holds at most ${STRIDE} fields`);
  }

  get length(): number {
    return this.n;
  }

  /** Appends one row, values in the order of `fields` (positional, so the hot path allocates nothing). */
  push(a: number, b = 0, c = 0, d = 0, e = 0): void {
    if (this.off === this.cur.length) this.grow();
    const blk = this.cur;
    const o = this.off;
    blk[o] = a;
    blk[o + 1] = b;
    blk[o + 2] = c;
    blk[o + 3] = d;
    blk[o + 4] = e;
    this.off = o + STRIDE;
    this.n++;
  }

  /**
   * The first block starts small and doubles up to a full block (most steps log a handful of rows, and a
   * replay across a hundred steps would otherwise allocate a full block per log per step); after that,
   * full blocks are added without copying.
   */
  private grow(): void {
    const full = BLOCK_ROWS * STRIDE;
    if (this.blocks.length <= 1 && this.cur.length < full) {
      const bigger = new Float64Array(Math.min(full, Math.max(16 * STRIDE, this.cur.length * 2)));
      bigger.set(this.cur);
      this.cur = bigger;
      this.blocks[0] = bigger;
      return;
    }
    this.cur = new Float64Array(full);
    this.blocks.push(this.cur);
    this.off = 0;
  }

  clear(): void {
    if (this.n === 0) return;
    // A first block that never filled is written again from its start (a replay clears the log once per
    // step, a workload once per access: new memory each time is what that would cost); full blocks go.
    const first = this.blocks[0];
    this.blocks.length = 0;
    if (first && first.length < BLOCK_ROWS * STRIDE) {
      this.blocks.push(first);
      this.cur = first;
    } else this.cur = new Float64Array(0);
    this.off = 0;
    this.n = 0;
  }

  get(i: number, f: K): number {
    return this.at(i, this.fields.indexOf(f));
  }

  /** Row i, field number `field` (its index in `fields`). */
  at(i: number, field: number): number {
    // i < 2^31 always (a log that long would not fit in memory), so the bit operations are exact.
    return this.blocks[i >>> BLOCK_SHIFT]![(i & (BLOCK_ROWS - 1)) * STRIDE + field]!;
  }
}
