// A set of page offsets inside one region, one bit per page: constant-time membership with no hashing
// and no per-page object, and an in-order walk of a range. No kernel analogue (model bookkeeping).

export class PageBits {
  private readonly words: Uint32Array;
  size = 0;

  constructor(pages: number) {
    this.words = new Uint32Array(Math.ceil(pages / 32));
  }

  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  add(i: number): void {
    if (this.has(i)) return;
    this.words[i >>> 5]! |= 1 << (i & 31);
    this.size++;
  }

  delete(i: number): void {
    if (!this.has(i)) return;
    this.words[i >>> 5]! &= ~(1 << (i & 31));
    this.size--;
  }

  /** The set offsets in [from, to), lowest first; skips empty words whole. */
  inRange(from: number, to: number): number[] {
    const out: number[] = [];
    for (let w = Math.max(0, from) >>> 5; w < this.words.length && w * 32 < to; w++) {
      let bits = this.words[w]!;
      while (bits !== 0) {
        const low = bits & -bits;
        const i = w * 32 + (31 - Math.clz32(low));
        if (i >= from && i < to) out.push(i);
        bits ^= low;
      }
    }
    return out;
  }
}
