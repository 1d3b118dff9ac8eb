// dma->pfn_list: the vfio_pfn of each externally pinned iova page of one vfio_dma (vfio_find_vpfn,
// vfio_link_pfn, vfio_remove_from_pfn_list in drivers/vfio/vfio_iommu_type1.c). The kernel keeps an
// rb-tree; the model needs only lookups by iova page and a walk, so it keeps an open-addressing hash
// table: one probe of a flat key array per lookup, where a JS Map costs a bucket and a chain entry.

import type { HostPfn, IovaPfn } from '../addr';

/** struct vfio_pfn. */
export interface VfioPfn {
  iovaPfn: IovaPfn;
  pfn: HostPfn;
  refCount: number;
  reserved: boolean;
}

const EMPTY = -1;
const DELETED = -2;

/**
 * What an empty list holds: nothing allocated until the first pin (most vfio_dma never have one, and a
 * checkpoint copies every list). Never written to: the first insert allocates a table of its own.
 */
const NO_KEYS = new Float64Array(0);
const NO_VALS: Array<VfioPfn | undefined> = [];

export class PfnList {
  private keys = NO_KEYS;
  private vals = NO_VALS;
  private used = 0;
  size = 0;

  get(iovaPfn: number): VfioPfn | undefined {
    if (this.size === 0) return undefined;
    const i = this.slot(iovaPfn);
    return this.keys[i] === iovaPfn ? this.vals[i] : undefined;
  }

  set(iovaPfn: number, v: VfioPfn): void {
    if (this.keys.length === 0) this.rehash(16);
    let i = this.slot(iovaPfn);
    if (this.keys[i] !== iovaPfn) {
      if ((this.used + 1) * 2 > this.keys.length) {
        this.rehash(this.size * 4 > this.keys.length ? this.keys.length * 2 : this.keys.length);
        i = this.slot(iovaPfn);
      }
      // Reuse the first tombstone on the probe path, else the empty slot that ended it.
      const t = this.firstDeleted(iovaPfn, i);
      if (t === i) this.used++;
      i = t;
      this.keys[i] = iovaPfn;
      this.size++;
    }
    this.vals[i] = v;
  }

  delete(iovaPfn: number): boolean {
    if (this.size === 0) return false;
    const i = this.slot(iovaPfn);
    if (this.keys[i] !== iovaPfn) return false;
    this.keys[i] = DELETED;
    this.vals[i] = undefined;
    this.size--;
    // Shrink when mostly empty, so a walk costs what the list holds, not what it once held.
    if (this.size * 8 < this.keys.length && this.keys.length > 16) this.rehash(this.keys.length / 2);
    return true;
  }

  /** Every vfio_pfn, in no particular order. */
  *values(): Generator<VfioPfn> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i]! >= 0) yield this.vals[i]!;
  }

  /** The slot holding iovaPfn, or the empty slot where its probe ends. */
  private slot(iovaPfn: number): number {
    const mask = this.keys.length - 1;
    let i = hash(iovaPfn) & mask;
    for (;;) {
      const k = this.keys[i]!;
      if (k === iovaPfn || k === EMPTY) return i;
      i = (i + 1) & mask;
    }
  }

  private firstDeleted(iovaPfn: number, end: number): number {
    const mask = this.keys.length - 1;
    for (let i = hash(iovaPfn) & mask; i !== end; i = (i + 1) & mask) if (this.keys[i] === DELETED) return i;
    return end;
  }

  private rehash(capacity: number): void {
    const [keys, vals] = [this.keys, this.vals];
    this.keys = new Float64Array(capacity).fill(EMPTY);
    this.vals = new Array<VfioPfn | undefined>(capacity);
    this.used = 0;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i]! < 0) continue;
      const j = this.slot(keys[i]!);
      this.keys[j] = keys[i]!;
      this.vals[j] = vals[i];
      this.used++;
    }
  }
}

/** Spreads page numbers that differ in high bits (iova pages up to 2^52) over the table. */
function hash(n: number): number {
  const lo = n | 0;
  const hi = (n / 4294967296) | 0;
  const h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2d), 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}
