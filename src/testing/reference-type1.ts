// A naive, page-by-page reference of VFIO type1 on Intel VT-d, written apart from src/model so that the
// property tests compare two independent readings of drivers/vfio/vfio_iommu_type1.c (kernel 6.18,
// TYPE1v2). Everything is per 4 KiB page: Maps keyed by page number, chunking by walking page after
// page, leaves chosen greedily per page. Slow on purpose; use it on small address spaces only.
// A failing op leaves the state untouched (the kernel undoes every partial step), so each op works on
// a copy that is committed only on success.

export interface RefRegion {
  vaddrPage: number;
  npages: number;
  backing: 'ram' | 'vm_pfnmap_reserved' | 'none';
  layout: 'contiguous' | 'stride' | 'none';
  firstPfn: number;
  stride: number;
}

export interface RefIommuGroup {
  id: string;
  superpage: 0 | 1 | 2;
  snoop: boolean;
}

export interface RefEnv {
  regions: RefRegion[];
  limitPages: number;
  capIpcLock: boolean;
  lockedVm: number;
  dmaEntryLimit: number;
  disableHugepages: boolean;
  iommuGroups: RefIommuGroup[];
  /** Emulated groups (vendor policy: unpin everything in the notified range). */
  emulatedGroups: string[];
}

interface Leaf {
  /** First iova page of the leaf and its size order (0 = 4K, 9 = 2M, 18 = 1G). */
  base: number;
  order: number;
  phys: number;
}

interface Domain {
  groups: RefIommuGroup[];
  superpage: 0 | 1 | 2;
  snoop: boolean;
  /** Every mapped iova page → its leaf. */
  pages: Map<number, Leaf>;
}

interface Vpfn {
  pfn: number;
  ref: number;
  reserved: boolean;
}

interface Dma {
  iova: number;
  npages: number;
  vaddr: number;
  prot: number;
  mapped: boolean;
  pfnList: Map<number, Vpfn>;
}

interface State {
  lockedVm: number;
  dmaAvail: number;
  dmas: Dma[];
  domains: Domain[];
  emulated: string[];
}

export type Ret = number | string | null;

const MSI_LO = 0xfee00;
const MSI_HI = 0xfeeff;
const MAX_PAGE = 2 ** 36;
const READ = 1;
const WRITE = 2;

function clone(s: State): State {
  return {
    lockedVm: s.lockedVm,
    dmaAvail: s.dmaAvail,
    dmas: s.dmas.map((d) => ({ ...d, pfnList: new Map([...d.pfnList].map(([k, v]) => [k, { ...v }])) })),
    domains: s.domains.map((d) => ({ ...d, groups: [...d.groups], pages: new Map(d.pages) })),
    emulated: [...s.emulated],
  };
}

class Fail extends Error {
  constructor(readonly errno: string) {
    super(errno);
  }
}

export class ReferenceType1 {
  private s: State;

  constructor(private readonly env: RefEnv) {
    this.s = {
      lockedVm: env.lockedVm,
      dmaAvail: env.dmaEntryLimit,
      dmas: [],
      domains: [],
      emulated: [...env.emulatedGroups],
    };
    for (const g of env.iommuGroups) {
      const r = this.attach(g);
      if (r !== 0) throw new Error(`reference: initial attach of ${g.id} failed with ${r}`);
    }
  }

  // ---- observations ----
  get lockedVm(): number {
    return this.s.lockedVm;
  }
  get dmaAvail(): number {
    return this.s.dmaAvail;
  }
  vfioDma(): Array<{ iova: number; npages: number; vaddr: number; mapped: boolean }> {
    return [...this.s.dmas]
      .sort((a, b) => a.iova - b.iova)
      .map((d) => ({ iova: d.iova, npages: d.npages, vaddr: d.vaddr, mapped: d.mapped }));
  }
  pfnList(): Array<{ iova: number; pfn: number; ref: number }> {
    const out: Array<{ iova: number; pfn: number; ref: number }> = [];
    for (const d of this.s.dmas) for (const [iova, v] of d.pfnList) out.push({ iova, pfn: v.pfn, ref: v.ref });
    return out.sort((a, b) => a.iova - b.iova);
  }
  /** Leaf counts by size in the first domain, or null without one. */
  leafCounts(): { '4K': number; '2M': number; '1G': number } | null {
    const d = this.s.domains[0];
    if (!d) return null;
    const seen = new Set<Leaf>(d.pages.values());
    const c = { '4K': 0, '2M': 0, '1G': 0 };
    for (const l of seen) c[l.order === 0 ? '4K' : l.order === 9 ? '2M' : '1G']++;
    return c;
  }
  /** iova page → host pfn in the first domain. */
  translations(): Map<number, number> {
    const out = new Map<number, number>();
    const d = this.s.domains[0];
    if (d) for (const [page, l] of d.pages) out.set(page, l.phys + (page - l.base));
    return out;
  }

  // ---- ops (page units; sizes in bytes where the ABI has bytes) ----

  /** VFIO_IOMMU_MAP_DMA with READ|WRITE as given; sizes in bytes. */
  mapDma(vaddr: number, iova: number, size: number, prot: number): Ret {
    if (size === 0) return '-EINVAL';
    if (prot === 0) return '-EINVAL';
    if (vaddr % 4096 || iova % 4096 || size % 4096) return '-EINVAL';
    const [v, i, n] = [vaddr / 4096, iova / 4096, size / 4096];
    return this.commit((s) => {
      if (s.dmas.some((d) => i < d.iova + d.npages && d.iova < i + n)) throw new Fail('-EEXIST');
      if (s.dmaAvail === 0) throw new Fail('-ENOSPC');
      if (s.domains.length > 0 && !this.insideIovaList(i, i + n - 1)) throw new Fail('-EINVAL');
      s.dmaAvail--;
      const dma: Dma = { iova: i, npages: n, vaddr: v, prot, mapped: false, pfnList: new Map() };
      s.dmas.push(dma);
      if (s.domains.length > 0) {
        for (const [off, len, pfn, rsvd] of this.pinChunks(s, dma, 0, n)) {
          if (!rsvd) s.lockedVm += len;
          for (const d of s.domains) this.iommuMap(d, i + off, pfn, len);
        }
        dma.mapped = true;
      }
      return 0;
    });
  }

  /** VFIO_IOMMU_UNMAP_DMA without flags; returns [ret, bytes unmapped]. */
  unmapDma(iova: number, size: number): [Ret, number] {
    if (iova % 4096) return ['-EINVAL', size];
    if (size === 0 || size % 4096) return ['-EINVAL', size];
    const [i, n] = [iova / 4096, size / 4096];
    const starts = this.s.dmas.find((d) => d.iova < i && i < d.iova + d.npages);
    const ends = this.s.dmas.find((d) => d.iova < i + n && i + n < d.iova + d.npages);
    if (starts || ends) return ['-EINVAL', size];
    let unmapped = 0;
    const r = this.commit((s) => {
      for (const dma of [...s.dmas].sort((a, b) => a.iova - b.iova)) {
        if (dma.iova < i || dma.iova >= i + n) continue;
        // The vendor unpins every page it pinned in the mapping before type1 removes it.
        for (const [page, v] of [...dma.pfnList]) {
          if (s.domains.length === 0 && !v.reserved) s.lockedVm -= 1;
          dma.pfnList.delete(page);
        }
        unmapped += dma.npages * 4096;
        this.removeDma(s, dma);
      }
      return 0;
    });
    return [r, r === 0 ? unmapped : size];
  }

  /** vfio_pin_pages (≥6.0) by the emulated device: returns [ret, pfns]. */
  pinPages(iova: number, npage: number, prot: number): [Ret, number[] | null] {
    if (npage <= 0) return ['-EINVAL', null];
    if (npage > 512) return ['-E2BIG', null];
    if (this.s.emulated.length === 0) return ['-EINVAL', null];
    const pfns: number[] = [];
    const r = this.commit((s) => {
      const accounting = s.domains.length === 0;
      for (let k = 0; k < npage; k++) {
        const page = iova / 4096 + k;
        const dma = s.dmas.find((d) => page >= d.iova && page < d.iova + d.npages);
        if (!dma) throw new Fail('-EINVAL');
        if ((dma.prot & prot) !== prot) throw new Fail('-EPERM');
        const v = dma.pfnList.get(page);
        if (v) {
          v.ref++;
          pfns.push(v.pfn);
          continue;
        }
        const t = this.translate(dma.vaddr + (page - dma.iova));
        if (!t) throw new Fail('-EFAULT');
        if (t.reserved) throw new Fail('-EINVAL');
        if (accounting) {
          if (!this.env.capIpcLock && s.lockedVm + 1 > this.env.limitPages) throw new Fail('-ENOMEM');
          s.lockedVm++;
        }
        dma.pfnList.set(page, { pfn: t.pfn, ref: 1, reserved: false });
        pfns.push(t.pfn);
      }
      return npage;
    });
    return [r, r === npage ? pfns : null];
  }

  /** vfio_unpin_pages: returns the refcount left at iova (null when gone). */
  unpinPages(iova: number, npage: number): number | null {
    const accounting = this.s.domains.length === 0;
    for (let k = 0; k < npage; k++) {
      const page = iova / 4096 + k;
      const dma = this.s.dmas.find((d) => page >= d.iova && page < d.iova + d.npages);
      if (!dma) break;
      const v = dma.pfnList.get(page);
      if (!v) continue;
      if (--v.ref === 0) {
        dma.pfnList.delete(page);
        if (accounting && !v.reserved) this.s.lockedVm--;
      }
    }
    const page = iova / 4096;
    return this.s.dmas.find((d) => page >= d.iova && page < d.iova + d.npages)?.pfnList.get(page)?.ref ?? null;
  }

  attach(g: RefIommuGroup): Ret {
    return this.commit((s) => {
      if (s.domains.some((d) => d.groups.some((x) => x.id === g.id)) || s.emulated.includes(g.id))
        throw new Fail('-EINVAL');
      if (s.dmas.some((d) => d.iova <= MSI_HI && MSI_LO < d.iova + d.npages)) throw new Fail('-EINVAL');
      if (s.dmas.some((d) => d.iova + d.npages > MAX_PAGE)) throw new Fail('-EINVAL');
      const same = s.domains.find((d) => d.snoop === g.snoop);
      if (same) {
        same.groups.push(g);
        return 0;
      }
      const dom: Domain = { groups: [g], superpage: g.superpage, snoop: g.snoop, pages: new Map() };
      const first = s.domains[0];
      for (const dma of [...s.dmas].sort((a, b) => a.iova - b.iova)) {
        if (first) {
          // Read pfns back from the first domain, merging physically contiguous pages into one iommu_map.
          let k = 0;
          while (k < dma.npages) {
            const start = dma.iova + k;
            const l = first.pages.get(start)!;
            const phys = l.phys + (start - l.base);
            let len = 1;
            while (k + len < dma.npages) {
              const nl = first.pages.get(start + len)!;
              if (nl.phys + (start + len - nl.base) !== phys + len) break;
              len++;
            }
            this.iommuMap(dom, start, phys, len);
            k += len;
          }
        } else {
          for (const [off, len, pfn, rsvd] of this.pinChunks(s, dma, 0, dma.npages)) {
            if (!rsvd) s.lockedVm += len - this.vpfnsIn(dma, dma.iova + off, len);
            this.iommuMap(dom, dma.iova + off, pfn, len);
          }
        }
        dma.mapped = true;
      }
      s.domains.unshift(dom);
      return 0;
    });
  }

  detach(id: string): Ret {
    const s = this.s;
    const di = s.domains.findIndex((d) => d.groups.some((g) => g.id === id));
    if (di < 0) return '-EINVAL';
    const dom = s.domains[di]!;
    dom.groups = dom.groups.filter((g) => g.id !== id);
    if (dom.groups.length > 0) return 0;
    if (s.domains.length === 1) {
      if (s.emulated.length === 0) {
        for (const dma of [...s.dmas]) this.removeDma(s, dma);
      } else {
        for (const dma of s.dmas) {
          const unlocked = this.unmapUnpin(s, dma);
          const locked = [...dma.pfnList.values()].filter((v) => !v.reserved).length;
          s.lockedVm += locked - unlocked;
          dma.mapped = false;
        }
      }
    }
    s.domains.splice(di, 1);
    return 0;
  }

  // ---- internals ----

  private commit(op: (s: State) => Ret): Ret {
    const draft = clone(this.s);
    try {
      const r = op(draft);
      this.s = draft;
      return r;
    } catch (e) {
      if (e instanceof Fail) return e.errno;
      throw e;
    }
  }

  private insideIovaList(lo: number, hi: number): boolean {
    if (hi >= MAX_PAGE) return false;
    return hi < MSI_LO || lo > MSI_HI;
  }

  translate(vpage: number): { pfn: number; reserved: boolean } | null {
    for (const r of this.env.regions) {
      if (vpage < r.vaddrPage || vpage >= r.vaddrPage + r.npages) continue;
      if (r.backing === 'none') return null;
      const k = vpage - r.vaddrPage;
      return {
        pfn: r.layout === 'stride' ? r.firstPfn + r.stride * k : r.firstPfn + k,
        reserved: r.backing === 'vm_pfnmap_reserved',
      };
    }
    return null;
  }

  private vpfnsIn(dma: Dma, iova: number, len: number): number {
    let n = 0;
    for (let p = iova; p < iova + len; p++) if (dma.pfnList.get(p)?.reserved === false) n++;
    return n;
  }

  /**
   * vfio_pin_pages_remote, called until the range is done: walks page after page; a chunk ends where the
   * next pfn is not the next frame or its reserved-ness differs (or after one page with
   * disable_hugepages). A page without a VMA is -EFAULT; the page that would pass RLIMIT_MEMLOCK is
   * -ENOMEM; whichever comes first. Returns [offset, length, first pfn, reserved] per chunk.
   */
  private pinChunks(s: State, dma: Dma, from: number, to: number): Array<[number, number, number, boolean]> {
    const chunks: Array<[number, number, number, boolean]> = [];
    let charged = s.lockedVm;
    let k = from;
    while (k < to) {
      const first = this.translate(dma.vaddr + k);
      if (!first) throw new Fail('-EFAULT');
      let len = 0;
      while (k + len < to) {
        const t = this.translate(dma.vaddr + k + len);
        if (!t) throw new Fail('-EFAULT');
        if (len > 0 && (t.pfn !== first.pfn + len || t.reserved !== first.reserved)) break;
        if (!t.reserved && dma.pfnList.get(dma.iova + k + len) === undefined) {
          if (!this.env.capIpcLock && charged + 1 > this.env.limitPages) throw new Fail('-ENOMEM');
          charged++;
        }
        len++;
        if (this.env.disableHugepages) break;
      }
      chunks.push([k, len, first.pfn, first.reserved]);
      k += len;
    }
    return chunks;
  }

  /** iommu_map of one physically contiguous range: at each page the largest page both addresses allow. */
  private iommuMap(d: Domain, iova: number, phys: number, len: number): void {
    const orders = [0, 9, 18].slice(0, d.superpage + 1).reverse();
    let k = 0;
    while (k < len) {
      const o = orders.find((x) => (iova + k) % 2 ** x === 0 && (phys + k) % 2 ** x === 0 && len - k >= 2 ** x)!;
      const leaf: Leaf = { base: iova + k, order: o, phys: phys + k };
      for (let p = 0; p < 2 ** o; p++) d.pages.set(iova + k + p, leaf);
      k += 2 ** o;
    }
  }

  /** Removes a dma's pages from every domain; returns the non-reserved pages that were pinned for them. */
  private unmapUnpin(s: State, dma: Dma): number {
    if (!dma.mapped || s.domains.length === 0) return 0;
    const first = s.domains[0]!;
    let n = 0;
    for (let p = dma.iova; p < dma.iova + dma.npages; p++) {
      const l = first.pages.get(p);
      if (l && !this.isReservedPfn(l.phys + (p - l.base))) n++;
    }
    for (const d of s.domains) for (let p = dma.iova; p < dma.iova + dma.npages; p++) d.pages.delete(p);
    return n;
  }

  private isReservedPfn(pfn: number): boolean {
    return this.env.regions.some((r) => {
      if (r.backing !== 'vm_pfnmap_reserved') return false;
      const step = r.layout === 'stride' ? r.stride : 1;
      const k = (pfn - r.firstPfn) / step;
      return Number.isInteger(k) && k >= 0 && k < r.npages;
    });
  }

  /** vfio_remove_dma: unmap, unpin and un-charge the IOMMU pins; dma_avail++. */
  private removeDma(s: State, dma: Dma): void {
    s.lockedVm -= this.unmapUnpin(s, dma);
    s.dmas.splice(s.dmas.indexOf(dma), 1);
    s.dmaAvail++;
  }
}

export const PROT = { READ, WRITE };
