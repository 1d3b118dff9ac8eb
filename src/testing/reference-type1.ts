// A naive, page-by-page reference of VFIO type1 on Intel VT-d, written apart from src/model so that the
// property tests compare two independent readings of drivers/vfio/vfio_iommu_type1.c (TYPE1v2). Everything
// is per 4 KiB page: Maps keyed by page number, chunking by walking page after page, leaves chosen
// greedily per page. Slow on purpose; use it on small address spaces only.
// It behaves as one kernel release (RefEnv.kernel, 6.18 by default). What changed between releases is
// read from its own table of landmarks below, never from src/model/profile.ts: a wrong predicate there
// must show up as a disagreement here.
// A failing op leaves the state untouched (the kernel undoes every partial step), so each op works on
// a copy that is committed only on success; the one exception, replay before 5.9, is in attach.

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
  /** The release to behave as, "major.minor"; 6.18 when absent. */
  kernel?: string;
}

type Release = readonly [major: number, minor: number];

/** The first release with each behaviour the property tests can reach, from the kernel's history. */
export const LANDMARKS = {
  /** dma_entry_limit: MAP_DMA fails with -ENOSPC once dma_avail mappings exist. */
  dmaEntryLimit: [5, 1],
  /** iova_list: apertures minus reserved regions; MAP_DMA outside it and conflicting attaches fail. */
  iovaList: [5, 4],
  /** VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP is the first UNMAP_DMA flag. */
  dirtyUnmapFlag: [5, 8],
  /** "vfio/type1: Add proper error unwind for vfio_iommu_replay()" (aae7a75a821a). */
  replayUnwind: [5, 9],
  /**
   * VFIO_DMA_MAP_FLAG_VADDR, VFIO_DMA_UNMAP_FLAG_VADDR and _ALL; pins and replay wait in vfio_wait for
   * an invalidated vaddr. From the same release __domain_mapping sets DMA_FL_PTE_PRESENT (bit 0) in
   * second-level leaves too, not only first-level ones.
   */
  vaddr: [5, 12],
  /** Intel's ->map_pages and pgsize_bitmap 4K|2M|1G (all powers of two before); iommu_pgsize counts. */
  mapPages: [5, 15],
  /** vfio_pin_pages(device, iova, npage, prot, pages): struct pages only; vfio_unpin_pages returns void. */
  pinByIova: [6, 0],
  /** The vfio_wait series reverted: -EBUSY while a vaddr is invalid, no VADDR with an emulated group. */
  vaddrBusy: [6, 3],
  /** Second-level leaves no longer get DMA_FL_PTE_PRESENT (bit 0). */
  leafBit0Dropped: [6, 17],
  /** "vfio/type1: sanitize for overflow using check_*_overflow": -EOVERFLOW, pin/unpin range checks. */
  overflowErrno: [6, 18],
} as const satisfies Record<string, Release>;

export interface KernelFeatures {
  dmaEntryLimit: boolean;
  iovaList: boolean;
  dirtyUnmapFlag: boolean;
  replayUnwind: boolean;
  vaddr: boolean;
  mapPages: boolean;
  pinByIova: boolean;
  vaddrBusy: boolean;
  leafBit0: boolean;
  overflowErrno: boolean;
}

export function kernelFeatures(version: string): KernelFeatures {
  const m = /^(\d+)\.(\d+)$/.exec(version);
  if (!m) throw new Error(`reference: kernel "${version}" is not major.minor`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  const since = ([a, b]: Release) => major > a || (major === a && minor >= b);
  return {
    dmaEntryLimit: since(LANDMARKS.dmaEntryLimit),
    iovaList: since(LANDMARKS.iovaList),
    dirtyUnmapFlag: since(LANDMARKS.dirtyUnmapFlag),
    replayUnwind: since(LANDMARKS.replayUnwind),
    vaddr: since(LANDMARKS.vaddr),
    mapPages: since(LANDMARKS.mapPages),
    pinByIova: since(LANDMARKS.pinByIova),
    vaddrBusy: since(LANDMARKS.vaddrBusy),
    leafBit0: since(LANDMARKS.vaddr) && !since(LANDMARKS.leafBit0Dropped),
    overflowErrno: since(LANDMARKS.overflowErrno),
  };
}

interface Leaf {
  /** First iova page of the leaf and its size order (0 = 4K, 9 = 2M, 18 = 1G). */
  base: number;
  order: number;
  phys: number;
  prot: number;
}

interface Domain {
  /** The group that created it. */
  id: string;
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
  vaddrInvalid: boolean;
  pfnList: Map<number, Vpfn>;
}

interface State {
  lockedVm: number;
  dmaAvail: number;
  dmas: Dma[];
  domains: Domain[];
  emulated: string[];
  /** iova_list is still empty: no IOMMU group was ever attached (it never empties again). */
  iovaListEmpty: boolean;
}

interface Chunk {
  pfn: number;
  len: number;
  reserved: boolean;
  /** Pages charged to locked_vm: neither reserved nor already in pfn_list. */
  charge: number;
}

export type Ret = number | string | null;

export interface MapArgs {
  flags: number;
  vaddr: bigint;
  iova: bigint;
  size: bigint;
}

export interface UnmapArgs {
  flags: number;
  iova: bigint;
  size: bigint;
}

/** What a successful MAP_DMA did, in page numbers. */
export interface MapTrace {
  pinChunks: Array<{ iova: number; pfn: number; npage: number; reserved: boolean }>;
  iommuMapCalls: Array<{ domain: string; iova: number; paddr: number; npage: number }>;
  /** The core's ->map_pages calls (pgsize in pages); null before ->map_pages existed. */
  mapPages: Array<{ domain: string; iova: number; paddr: number; pgsize: number; count: number }> | null;
}

const MSI_LO = 0xfee00;
const MSI_HI = 0xfeeff;
/** Pages below the 48-bit address width of the groups: the aperture and intel_iommu_map's limit. */
const GAW_PAGES = 2 ** 36;
/** Pages in the 64-bit space: iova page numbers wrap here. */
const TOP = 2 ** 52;
const U64_MAX = (1n << 64n) - 1n;
const MAX_PIN = 512;
const READ = 1;
const WRITE = 2;
const MAP_VADDR = 4;
const UNMAP_DIRTY = 1;
const UNMAP_ALL = 2;
const UNMAP_VADDR = 4;

function clone(s: State): State {
  return {
    ...s,
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

const page = (addr: bigint) => Number(addr >> 12n);

export class ReferenceType1 {
  readonly kernel: KernelFeatures;
  private s: State;
  /** What the last MAP_DMA did, when it succeeded. */
  lastMap: MapTrace | null = null;
  /**
   * The last attach failed part-way through replaying into the container's first IOMMU domain on a
   * kernel without the replay unwind: its pins stay charged and the vfio_dmas replayed so far stay
   * marked iommu_mapped with no domain behind them (the next replay would follow a bogus domain pointer).
   */
  replayLeak = false;

  constructor(private readonly env: RefEnv) {
    this.kernel = kernelFeatures(env.kernel ?? '6.18');
    this.s = {
      lockedVm: env.lockedVm,
      dmaAvail: env.dmaEntryLimit,
      dmas: [],
      domains: [],
      emulated: [...env.emulatedGroups],
      iovaListEmpty: true,
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
  /** null before dma_entry_limit existed. */
  get dmaAvail(): number | null {
    return this.kernel.dmaEntryLimit ? this.s.dmaAvail : null;
  }
  get vaddrInvalidCount(): number {
    return this.s.dmas.filter((d) => d.vaddrInvalid).length;
  }
  vfioDma(): Array<{ iova: number; npages: number; vaddr: number; mapped: boolean; vaddrInvalid: boolean }> {
    return [...this.s.dmas]
      .sort((a, b) => a.iova - b.iova)
      .map((d) => ({
        iova: d.iova,
        npages: d.npages,
        vaddr: d.vaddr,
        mapped: d.mapped,
        vaddrInvalid: d.vaddrInvalid,
      }));
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
    const c = { '4K': 0, '2M': 0, '1G': 0 };
    for (const l of new Set(d.pages.values())) c[l.order === 0 ? '4K' : l.order === 9 ? '2M' : '1G']++;
    return c;
  }
  /**
   * The first domain's leaves as second-level PTEs: level 1–3 and the entry value (address, R/W from the
   * mapping's prot, SNP on snoop-control hardware, PS above 4K, bit 0 where the release forces it).
   */
  leaves(): Array<{ iova: number; level: number; value: number }> {
    const d = this.s.domains[0];
    if (!d) return [];
    return [...new Set(d.pages.values())]
      .sort((a, b) => a.base - b.base)
      .map((l) => {
        let attr = (l.prot & READ ? 1 : 0) | (l.prot & WRITE ? 2 : 0);
        if (d.snoop) attr |= 0x800;
        if (l.order > 0) attr |= 0x80;
        if (this.kernel.leafBit0) attr |= 1;
        return { iova: l.base, level: l.order / 9 + 1, value: l.phys * 4096 + attr };
      });
  }
  /** iova page → host pfn in the first domain. */
  translations(): Map<number, number> {
    const out = new Map<number, number>();
    const d = this.s.domains[0];
    if (d) for (const [p, l] of d.pages) out.set(p, l.phys + (p - l.base));
    return out;
  }
  /**
   * Host pfn → pins held on it: one per page an IOMMU-backed vfio_dma maps (read back from the first
   * domain, as vfio_unmap_unpin does) plus one per vfio_pfn; reserved frames are never pinned.
   */
  hostPins(): Map<number, number> {
    const out = new Map<number, number>();
    const pin = (pfn: number) => out.set(pfn, (out.get(pfn) ?? 0) + 1);
    const first = this.s.domains[0];
    for (const dma of this.s.dmas) {
      if (first && dma.mapped) {
        for (let p = dma.iova; p < dma.iova + dma.npages; p++) {
          const l = first.pages.get(p);
          if (l && !this.isReservedPfn(l.phys + (p - l.base))) pin(l.phys + (p - l.base));
        }
      }
      for (const v of dma.pfnList.values()) if (!v.reserved) pin(v.pfn);
    }
    return out;
  }

  // ---- ops ----

  /** VFIO_IOMMU_MAP_DMA with flags READ|WRITE as `prot`; byte arguments. */
  mapDma(vaddr: number, iova: number, size: number, prot: number): Ret {
    return this.map({ flags: prot, vaddr: BigInt(vaddr), iova: BigInt(iova), size: BigInt(size) });
  }

  /** VFIO_IOMMU_MAP_DMA: vfio_iommu_type1_map_dma and vfio_dma_do_map, checks in the release's order. */
  map(a: MapArgs): Ret {
    this.lastMap = null;
    const k = this.kernel;
    if (a.flags & ~(k.vaddr ? READ | WRITE | MAP_VADDR : READ | WRITE)) return '-EINVAL';
    const setVaddr = (a.flags & MAP_VADDR) !== 0;
    const prot = a.flags & (READ | WRITE);
    const wraps = a.size > 0n && (a.iova + a.size - 1n > U64_MAX || a.vaddr + a.size - 1n > U64_MAX);
    if (k.overflowErrno) {
      if (a.size === 0n) return '-EINVAL';
      if (wraps) return '-EOVERFLOW';
    }
    if (setVaddr ? prot !== 0 : prot === 0) return '-EINVAL';
    if (a.size === 0n || (a.size | a.iova | a.vaddr) & 0xfffn) return '-EINVAL';
    if (wraps) return '-EINVAL';
    const [v, i, n] = [page(a.vaddr), page(a.iova), page(a.size)];
    const found = this.s.dmas.find((d) => i < d.iova + d.npages && d.iova < i + n);
    if (setVaddr) {
      if (!found) return '-ENOENT';
      if (!found.vaddrInvalid || found.iova !== i || found.npages !== n) return '-EINVAL';
      found.vaddr = v;
      found.vaddrInvalid = false;
      return 0;
    }
    if (found) return '-EEXIST';
    const trace: MapTrace = { pinChunks: [], iommuMapCalls: [], mapPages: k.mapPages ? [] : null };
    const r = this.commit((s) => {
      if (k.dmaEntryLimit && s.dmaAvail === 0) throw new Fail('-ENOSPC');
      if (k.iovaList && s.domains.length > 0 && !this.insideIovaList(i, i + n - 1)) throw new Fail('-EINVAL');
      if (k.dmaEntryLimit) s.dmaAvail--;
      const dma: Dma = { iova: i, npages: n, vaddr: v, prot, mapped: false, vaddrInvalid: false, pfnList: new Map() };
      s.dmas.push(dma);
      if (s.domains.length === 0) return 0;
      for (let off = 0; off < n;) {
        const c = this.pinChunk(s, dma, off, n);
        s.lockedVm += c.charge;
        trace.pinChunks.push({ iova: i + off, pfn: c.pfn, npage: c.len, reserved: c.reserved });
        for (const d of s.domains) {
          trace.iommuMapCalls.push({ domain: d.id, iova: i + off, paddr: c.pfn, npage: c.len });
          trace.mapPages?.push(...mapPagesCalls(d, i + off, c.pfn, c.len));
          this.iommuMap(d, i + off, c.pfn, c.len, prot);
        }
        off += c.len;
      }
      dma.mapped = true;
      return 0;
    });
    if (r === 0) this.lastMap = trace;
    return r;
  }

  /** VFIO_IOMMU_UNMAP_DMA without flags; returns [ret, bytes unmapped]. */
  unmapDma(iova: number, size: number): [Ret, number] {
    const [r, n] = this.unmap({ flags: 0, iova: BigInt(iova), size: BigInt(size) });
    return [r, Number(n)];
  }

  /**
   * VFIO_IOMMU_UNMAP_DMA (vfio_dma_do_unmap) with ALL and VADDR where the release has them; returns
   * [ret, unmap.size as userspace reads it afterwards], which keeps its input on any error.
   */
  unmap(a: UnmapArgs): [Ret, bigint] {
    const k = this.kernel;
    const fail = (e: string): [Ret, bigint] => [e, a.size];
    const known = k.vaddr ? UNMAP_DIRTY | UNMAP_ALL | UNMAP_VADDR : k.dirtyUnmapFlag ? UNMAP_DIRTY : 0;
    if (a.flags & ~known) return fail('-EINVAL');
    if (a.flags & UNMAP_DIRTY) throw new Error('reference: dirty tracking is not modelled');
    const all = (a.flags & UNMAP_ALL) !== 0;
    const invalidate = (a.flags & UNMAP_VADDR) !== 0;
    if (invalidate && k.vaddrBusy && this.s.emulated.length > 0) return fail('-EBUSY');
    if (a.iova & 0xfffn) return fail('-EINVAL');
    let hit: Dma[];
    if (all) {
      if (a.iova !== 0n || a.size !== 0n) return fail('-EINVAL');
      hit = [...this.s.dmas];
    } else {
      if (a.size === 0n || a.size & 0xfffn) return fail('-EINVAL');
      if (a.iova + a.size - 1n > U64_MAX) return fail(k.overflowErrno ? '-EOVERFLOW' : '-EINVAL');
      const [i, end] = [page(a.iova), page(a.iova) + page(a.size)];
      const bisects = (p: number) => this.s.dmas.some((d) => d.iova < p && p < d.iova + d.npages);
      if (bisects(i) || bisects(end)) return fail('-EINVAL');
      hit = this.s.dmas.filter((d) => d.iova >= i && d.iova < end);
    }
    hit.sort((x, y) => x.iova - y.iova);
    let unmapped = 0n;
    for (const d of hit) unmapped += BigInt(d.npages) << 12n;
    if (invalidate) {
      // An already invalid vaddr stops the walk and re-validates the ones this call invalidated.
      if (hit.some((d) => d.vaddrInvalid)) return fail('-EINVAL');
      for (const d of hit) d.vaddrInvalid = true;
      return [0, unmapped];
    }
    // The draft holds the same mappings at the same indices.
    const at = hit.map((d) => this.s.dmas.indexOf(d));
    const r = this.commit((s) => {
      for (const dma of at.map((i) => s.dmas[i]!)) {
        // The vendor unpins every page it pinned in the mapping before type1 removes it.
        for (const [p, v] of [...dma.pfnList]) {
          if (s.domains.length === 0 && !v.reserved) s.lockedVm -= 1;
          dma.pfnList.delete(p);
        }
        this.removeDma(s, dma);
      }
      return 0;
    });
    return r === 0 ? [0, unmapped] : fail(r as string);
  }

  /** vfio_pin_pages by the emulated device, byte iova (≥6.0 form). */
  pinPages(iova: number, npage: number, prot: number): [Ret, number[] | null] {
    return this.pin(iova / 4096, npage, prot);
  }

  /** vfio_pin_pages(device, iova, npage, prot, pages), 6.0 on: npage consecutive pages from iovaPage. */
  pin(iovaPage: number, npage: number, prot: number): [Ret, number[] | null] {
    const k = this.kernel;
    if (!k.pinByIova) throw new Error('reference: before 6.0 vfio_pin_pages takes a user_pfn[] list (pinList)');
    if (npage === 0) return ['-EINVAL', null];
    if (npage > MAX_PIN) return ['-E2BIG', null];
    if (this.s.emulated.length === 0) return ['-EINVAL', null];
    if (k.overflowErrno && iovaPage + npage > TOP) return ['-EOVERFLOW', null];
    return this.pinIovas(this.run(iovaPage, npage), prot, true);
  }

  /** vfio_pin_pages(dev, user_pfn, npage, prot, phys_pfn), 4.10–5.19: any list of iova pages. */
  pinList(userPfns: number[], prot: number): [Ret, number[] | null] {
    if (this.kernel.pinByIova) throw new Error('reference: from 6.0 vfio_pin_pages takes an iova (pin)');
    if (userPfns.length === 0) return ['-EINVAL', null];
    if (userPfns.length > MAX_PIN) return ['-E2BIG', null];
    if (this.s.emulated.length === 0) return ['-EINVAL', null];
    return this.pinIovas(
      userPfns.map((p) => p % TOP),
      prot,
      false,
    );
  }

  /** vfio_unpin_pages of byte iova: returns the refcount left at iova (null when gone). */
  unpinPages(iova: number, npage: number): number | null {
    return this.unpin(iova / 4096, npage).ref;
  }

  /**
   * vfio_unpin_pages of npage pages from iovaPage: ret is the old form's return (pages walked, or an
   * errno) and null from 6.0 (void); ref is the refcount left at iovaPage.
   */
  unpin(iovaPage: number, npage: number): { ret: Ret; ref: number | null } {
    const k = this.kernel;
    const ref = () => this.dmaAt(this.s, iovaPage)?.pfnList.get(iovaPage)?.ref ?? null;
    if (k.pinByIova) {
      // 6.18 WARNs and returns on a range past 2^64; before, the iovas wrap.
      if (npage > 0 && !(k.overflowErrno && iovaPage + npage > TOP)) this.unpinIovas(this.run(iovaPage, npage));
      return { ret: null, ref: ref() };
    }
    if (npage === 0) return { ret: '-EINVAL', ref: ref() };
    if (npage > MAX_PIN) return { ret: '-E2BIG', ref: ref() };
    const done = this.unpinIovas(this.run(iovaPage, npage));
    return { ret: done > 0 ? done : '-EINVAL', ref: ref() };
  }

  attach(g: RefIommuGroup): Ret {
    this.replayLeak = false;
    const k = this.kernel;
    const s = this.s;
    if (k.vaddrBusy && this.vaddrInvalidCount > 0) return '-EBUSY';
    if (s.domains.some((d) => d.groups.some((x) => x.id === g.id)) || s.emulated.includes(g.id)) return '-EINVAL';
    if (k.iovaList) {
      // vfio_iommu_aper_conflict (an empty iova_list conflicts with nothing), vfio_iommu_resv_conflict.
      if (!s.iovaListEmpty && s.dmas.some((d) => d.iova + d.npages > GAW_PAGES)) return '-EINVAL';
      if (s.dmas.some((d) => d.iova <= MSI_HI && MSI_LO < d.iova + d.npages)) return '-EINVAL';
    }
    const same = s.domains.find((d) => d.snoop === g.snoop);
    if (same) {
      same.groups.push(g);
      s.iovaListEmpty = false;
      return 0;
    }
    if (k.vaddr && !k.vaddrBusy && this.vaddrInvalidCount > 0) return 'BLOCKED';
    const dom: Domain = { id: g.id, groups: [g], superpage: g.superpage, snoop: g.snoop, pages: new Map() };
    const draft = clone(s);
    try {
      this.replay(draft, dom);
    } catch (e) {
      if (!(e instanceof Fail)) throw e;
      if (!k.replayUnwind && s.domains.length === 0) {
        // vfio_iommu_replay returned at the failure: the domain is freed, nothing else is undone.
        this.replayLeak = draft.lockedVm !== s.lockedVm || draft.dmas.some((d) => d.mapped);
        this.s = draft;
      }
      return e.errno;
    }
    draft.domains.unshift(dom);
    draft.iovaListEmpty = false;
    this.s = draft;
    return 0;
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

  /** npage iova pages from iovaPage, wrapping past the top of the 64-bit space as the kernel's u64 sum does. */
  private run(iovaPage: number, npage: number): number[] {
    return Array.from({ length: npage }, (_, i) => (iovaPage + i) % TOP);
  }

  private dmaAt(s: State, p: number): Dma | undefined {
    return s.dmas.find((d) => p >= d.iova && p < d.iova + d.npages);
  }

  /**
   * vfio_iommu_type1_pin_pages over a list of iova pages. 5.12–6.2 first looks at each page's mapping
   * (vfio_find_dma_valid) while any vaddr is invalid: one outside every mapping is -EINVAL, one whose
   * vaddr is invalid sleeps in vfio_wait ('BLOCKED'). 6.3 on refuses with -EBUSY instead.
   */
  private pinIovas(pages: number[], prot: number, needsStructPage: boolean): [Ret, number[] | null] {
    const k = this.kernel;
    if (this.vaddrInvalidCount > 0) {
      if (k.vaddrBusy) return ['-EBUSY', null];
      for (const p of pages) {
        const dma = this.dmaAt(this.s, p);
        if (!dma) return ['-EINVAL', null];
        if (dma.vaddrInvalid) return ['BLOCKED', null];
      }
    }
    const pfns: number[] = [];
    const r = this.commit((s) => {
      const accounting = s.domains.length === 0;
      for (const p of pages) {
        const dma = this.dmaAt(s, p);
        if (!dma) throw new Fail('-EINVAL');
        if ((dma.prot & prot) !== prot) throw new Fail('-EPERM');
        const v = dma.pfnList.get(p);
        if (v) {
          v.ref++;
          pfns.push(v.pfn);
          continue;
        }
        const t = this.translate(dma.vaddr + (p - dma.iova));
        if (!t) throw new Fail('-EFAULT');
        if (accounting && !t.reserved) {
          if (!this.env.capIpcLock && s.lockedVm + 1 > this.env.limitPages) throw new Fail('-ENOMEM');
          s.lockedVm++;
        }
        // From 6.0 the caller gets struct pages: a pfn without one (!pfn_valid) is refused.
        if (needsStructPage && t.reserved) throw new Fail('-EINVAL');
        dma.pfnList.set(p, { pfn: t.pfn, ref: 1, reserved: t.reserved });
        pfns.push(t.pfn);
      }
      return pages.length;
    });
    return [r, r === pages.length ? pfns : null];
  }

  /** vfio_iommu_type1_unpin_pages: stops at the first page outside every mapping; returns pages walked. */
  private unpinIovas(pages: number[]): number {
    const s = this.s;
    const accounting = s.domains.length === 0;
    let i = 0;
    for (; i < pages.length; i++) {
      const p = pages[i]!;
      const dma = this.dmaAt(s, p);
      if (!dma) break;
      const v = dma.pfnList.get(p);
      if (!v) continue;
      if (--v.ref === 0) {
        dma.pfnList.delete(p);
        if (accounting && !v.reserved) s.lockedVm--;
      }
    }
    return i;
  }

  /**
   * vfio_iommu_replay into a new domain: mappings already in the first domain are read back from it
   * (physically contiguous pages merged into one iommu_map); without one every mapping is pinned now.
   */
  private replay(s: State, dom: Domain): void {
    const first = s.domains[0];
    for (const dma of [...s.dmas].sort((a, b) => a.iova - b.iova)) {
      if (first && dma.mapped) {
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
          this.iommuMap(dom, start, phys, len, dma.prot);
          k += len;
        }
      } else {
        for (let off = 0; off < dma.npages;) {
          const c = this.pinChunk(s, dma, off, dma.npages);
          s.lockedVm += c.charge;
          this.iommuMap(dom, dma.iova + off, c.pfn, c.len, dma.prot);
          off += c.len;
        }
      }
      // Before the unwind fix each vfio_dma was marked as soon as it was replayed.
      if (!this.kernel.replayUnwind) dma.mapped = true;
    }
    for (const dma of s.dmas) dma.mapped = true;
  }

  private insideIovaList(lo: number, hi: number): boolean {
    if (hi >= GAW_PAGES) return false;
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

  /**
   * vfio_pin_pages_remote from page `from` of the mapping: pages while the pfns run on and stay equally
   * reserved (one page with disable_hugepages), each non-reserved page not already in pfn_list charged.
   * A first page without a VMA is -EFAULT; the page that would pass RLIMIT_MEMLOCK is -ENOMEM. A later
   * page without a VMA ends the chunk and the next call fails on it (5.12's batches fail at once: the
   * same errno, and the chunk is released either way).
   */
  private pinChunk(s: State, dma: Dma, from: number, to: number): Chunk {
    const first = this.translate(dma.vaddr + from);
    if (!first) throw new Fail('-EFAULT');
    let len = 0;
    let charge = 0;
    while (from + len < to) {
      const t = len === 0 ? first : this.translate(dma.vaddr + from + len);
      if (!t || t.pfn !== first.pfn + len || t.reserved !== first.reserved) break;
      if (!t.reserved && !dma.pfnList.has(dma.iova + from + len)) {
        if (!this.env.capIpcLock && s.lockedVm + charge + 1 > this.env.limitPages) throw new Fail('-ENOMEM');
        charge++;
      }
      len++;
      if (this.env.disableHugepages) break;
    }
    return { pfn: first.pfn, len, reserved: first.reserved, charge };
  }

  /**
   * iommu_map of one physically contiguous range: -EFAULT past the domain's width (intel_iommu_map),
   * else at each page the largest leaf both addresses allow.
   */
  private iommuMap(d: Domain, iova: number, phys: number, len: number, prot: number): void {
    if (iova + len > GAW_PAGES) throw new Fail('-EFAULT');
    const orders = [18, 9, 0].slice(2 - d.superpage);
    let k = 0;
    while (k < len) {
      const o = orders.find((x) => (iova + k) % 2 ** x === 0 && (phys + k) % 2 ** x === 0 && len - k >= 2 ** x)!;
      const leaf: Leaf = { base: iova + k, order: o, phys: phys + k, prot };
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

  /** is_invalid_reserved_pfn: a frame of any PFNMAP region, however many regions map it. */
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
    if (this.kernel.dmaEntryLimit) s.dmaAvail++;
  }
}

/**
 * __iommu_map's ->map_pages calls for one range (5.15 on), per iommu_pgsize: the largest supported page
 * that fits both alignments and the size, and as many of them as fit before the next larger page could
 * start (when iova and paddr share their offset in it). Sizes in pages.
 */
function mapPagesCalls(
  d: Domain,
  iova: number,
  phys: number,
  len: number,
): Array<{ domain: string; iova: number; paddr: number; pgsize: number; count: number }> {
  const sizes = [1, 512, 262144].slice(0, d.superpage + 1);
  const out: Array<{ domain: string; iova: number; paddr: number; pgsize: number; count: number }> = [];
  while (len > 0) {
    let k = sizes.length - 1;
    while (k > 0 && !(iova % sizes[k]! === 0 && phys % sizes[k]! === 0 && sizes[k]! <= len)) k--;
    const pgsize = sizes[k]!;
    const next = sizes[k + 1];
    let count = Math.floor(len / pgsize);
    if (next !== undefined && iova % next === phys % next) {
      const offset = next - (iova % next);
      if (offset + next <= len) count = offset / pgsize;
    }
    out.push({ domain: d.id, iova, paddr: phys, pgsize, count });
    iova += count * pgsize;
    phys += count * pgsize;
    len -= count * pgsize;
  }
  return out;
}
