// An array of u32 that holds only the 4 KiB pages of it that were written, as vmalloc backs a large
// kvzalloc'd array page by page: the flat-array design's gpa → dma table for a huge region costs the
// model what the device touched, not the region's size. Unwritten entries read 0. No kernel analogue.

const PAGE_ENTRIES = 1024;
/** Up to this many pages (2^26 entries) they sit in an array, looked up by index; beyond, in a Map. */
const DENSE_PAGES = 1 << 16;

export class SparseU32 {
  private readonly dense: Array<Uint32Array | undefined> | null;
  private readonly sparse: Map<number, Uint32Array> | null;

  constructor(readonly length: number) {
    const pages = Math.ceil(length / PAGE_ENTRIES);
    this.dense = pages <= DENSE_PAGES ? new Array<Uint32Array | undefined>(pages) : null;
    this.sparse = this.dense ? null : new Map();
  }

  get(i: number): number {
    const p = Math.floor(i / PAGE_ENTRIES);
    const page = this.dense ? this.dense[p] : this.sparse!.get(p);
    return page ? page[i % PAGE_ENTRIES]! : 0;
  }

  set(i: number, v: number): void {
    const p = Math.floor(i / PAGE_ENTRIES);
    let page = this.dense ? this.dense[p] : this.sparse!.get(p);
    if (!page) {
      page = new Uint32Array(PAGE_ENTRIES);
      if (this.dense) this.dense[p] = page;
      else this.sparse!.set(p, page);
    }
    page[i % PAGE_ENTRIES] = v;
  }
}
