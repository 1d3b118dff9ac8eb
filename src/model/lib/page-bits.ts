// A set of page offsets inside one region, one bit per page, kept in 32 Ki-page chunks that exist only
// once a page in them is set: constant-time membership with no hashing and no per-page object, an
// in-order walk of a range, and a region of 2^48 pages (a 2^60-byte mapping) costs nothing until used.
// No kernel analogue (model bookkeeping).

const CHUNK_SHIFT = 15;
const CHUNK_PAGES = 1 << CHUNK_SHIFT;

/** Up to this many chunks (2^31 pages) they sit in an array, looked up by index; beyond, in a Map. */
const DENSE_CHUNKS = 1 << 16;

interface Chunks {
  get(k: number): Uint32Array | undefined;
  set(k: number, c: Uint32Array): void;
  keys(): Iterable<number>;
}

/** An array of chunks with the Map methods PageBits uses: the workload's hot path avoids hashing. */
class DenseChunks implements Chunks {
  private readonly slots: Array<Uint32Array | undefined>;
  constructor(n: number) {
    this.slots = new Array<Uint32Array | undefined>(n);
  }
  get(k: number): Uint32Array | undefined {
    return this.slots[k];
  }
  set(k: number, c: Uint32Array): void {
    this.slots[k] = c;
  }
  *keys(): Iterable<number> {
    for (let k = 0; k < this.slots.length; k++) if (this.slots[k]) yield k;
  }
}

export class PageBits {
  private readonly chunks: Chunks;
  size = 0;

  /** A set of offsets in [0, pages). */
  constructor(pages: number) {
    const n = Math.ceil(pages / CHUNK_PAGES);
    this.chunks = n <= DENSE_CHUNKS ? new DenseChunks(n) : new Map<number, Uint32Array>();
  }

  has(i: number): boolean {
    const c = this.chunks.get(Math.floor(i / CHUNK_PAGES));
    if (!c) return false;
    const o = i % CHUNK_PAGES;
    return (c[o >>> 5]! & (1 << (o & 31))) !== 0;
  }

  add(i: number): void {
    if (this.has(i)) return;
    const k = Math.floor(i / CHUNK_PAGES);
    let c = this.chunks.get(k);
    if (!c) {
      c = new Uint32Array(CHUNK_PAGES / 32);
      this.chunks.set(k, c);
    }
    const o = i % CHUNK_PAGES;
    c[o >>> 5]! |= 1 << (o & 31);
    this.size++;
  }

  delete(i: number): void {
    if (!this.has(i)) return;
    const k = Math.floor(i / CHUNK_PAGES);
    const c = this.chunks.get(k)!;
    const o = i % CHUNK_PAGES;
    c[o >>> 5]! &= ~(1 << (o & 31));
    this.size--;
  }

  /** The set offsets in [from, to), lowest first; skips absent chunks and empty words whole. */
  inRange(from: number, to: number): number[] {
    const out: number[] = [];
    const lo = Math.max(0, from);
    const keys = [...this.chunks.keys()]
      .filter((k) => (k + 1) * CHUNK_PAGES > lo && k * CHUNK_PAGES < to)
      .sort((a, b) => a - b);
    for (const k of keys) {
      const c = this.chunks.get(k)!;
      const base = k * CHUNK_PAGES;
      for (let w = Math.max(0, lo - base) >>> 5; w < c.length && base + w * 32 < to; w++) {
        let bits = c[w]!;
        while (bits !== 0) {
          const low = bits & -bits;
          const i = base + w * 32 + (31 - Math.clz32(low));
          if (i >= from && i < to) out.push(i);
          bits ^= low;
        }
      }
    }
    return out;
  }
}
