// What the tracking structures cost in kernel memory on x86-64: sizeof of each struct, laid out by the
// C rules (8-byte pointers and longs, natural alignment, size rounded to the largest member
// alignment), and the slab object it really occupies (mm/slab_common.c kmalloc size classes, or a
// dedicated cache). Each entry names its definition.

export interface StructCost {
  name: string;
  /** sizeof on x86-64. */
  sizeof: number;
  /** The cache the object lives in and the bytes per object there. */
  cache: string;
  slab: number;
  /** Where the layout comes from. */
  source: string;
  layout: string;
}

/** kmalloc size classes (KMALLOC_MIN_SIZE 8, with the 96- and 192-byte caches). */
const KMALLOC = [8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192];

/** The kmalloc cache a request of `bytes` is served from; beyond 8 KiB the page allocator (power-of-two pages). */
export function kmallocFootprint(bytes: number): { cache: string; bytes: number } {
  const c = KMALLOC.find((k) => k >= bytes);
  if (c !== undefined) return { cache: `kmalloc-${c >= 1024 ? c / 1024 + 'k' : c}`, bytes: c };
  const pages = 2 ** Math.ceil(Math.log2(Math.ceil(bytes / 4096)));
  return { cache: `page allocator, order ${Math.log2(pages)}`, bytes: pages * 4096 };
}

/**
 * kvzalloc(n * 4) for the flat array: kmalloc up to and including 2^(MAX_PAGE_ORDER) pages, which for an
 * array this size means whole power-of-two pages; vmalloc (whole 4 KiB pages) when kmalloc gives up.
 * The model takes the vmalloc rounding for arrays over 4 MiB (kmalloc's order-10 limit).
 */
export function kvmallocFootprint(bytes: number): { cache: string; bytes: number } {
  if (bytes <= 4 << 20) return kmallocFootprint(bytes);
  return { cache: 'vmalloc', bytes: Math.ceil(bytes / 4096) * 4096 };
}

const RB_NODE = 24;

function kmallocStruct(name: string, sizeof: number, source: string, layout: string): StructCost {
  const f = kmallocFootprint(sizeof);
  return { name, sizeof, cache: f.cache, slab: f.bytes, source, layout };
}

export const STRUCTS = {
  rbNode: {
    name: 'struct rb_node',
    sizeof: RB_NODE,
    cache: '(embedded)',
    slab: RB_NODE,
    source: 'include/linux/rbtree_types.h',
    layout: '__rb_parent_color 8 + rb_right 8 + rb_left 8',
  },
  vfioPfn: kmallocStruct(
    'struct vfio_pfn',
    48,
    'drivers/vfio/vfio_iommu_type1.c',
    'rb_node 24 + iova 8 + pfn 8 + ref_count 4 + pad 4',
  ),
  gvtDma: kmallocStruct(
    'struct gvt_dma',
    88,
    'drivers/gpu/drm/i915/gvt/kvmgt.c',
    'vgpu 8 + gfn_node 24 + dma_addr_node 24 + gfn 8 + dma_addr 8 + size 8 + kref 4 + pad 4',
  ),
  /** The 2016 per-page proposal: one node per pinned page, gfn → iova. */
  perPageEntry: kmallocStruct(
    'struct vgpu_dma_page (2016 proposal)',
    40,
    'seed thread, option 1',
    'rb_node 24 + gfn 8 + iova 8',
  ),
  /** iova.c's struct iova lives in the "iommu_iova" cache, created with SLAB_HWCACHE_ALIGN: 64-byte objects. */
  iova: {
    name: 'struct iova',
    sizeof: 40,
    cache: 'iommu_iova (SLAB_HWCACHE_ALIGN)',
    slab: 64,
    source: 'include/linux/iova.h, drivers/iommu/iova.c:iova_cache_get',
    layout: 'rb_node 24 + pfn_hi 8 + pfn_lo 8',
  },
  tablePage: {
    name: 'page-table page',
    sizeof: 4096,
    cache: 'page allocator, order 0',
    slab: 4096,
    source: '512 × 8-byte entries',
    layout: '512 × u64',
  },
} as const satisfies Record<string, StructCost>;

/** Each structure's cost as one line of text: layout = sizeof, the cache, the bytes there, the source. */
export function costFormulas(): string[] {
  return Object.values(STRUCTS).map(
    (c: StructCost) => `${c.name}: ${c.layout} = ${c.sizeof} B; ${c.cache}: ${c.slab} B (${c.source})`,
  );
}

/** What each vendor model's tracking memory is made of, in the units above. */
export const TRACKING_FORMULAS: Array<[string, string]> = [
  ['kvmgt', 'nr_cache_entries × struct gvt_dma (one per cached 4 KiB or 2 MiB page)'],
  ['per-page-tree', 'pinned pages × struct vgpu_dma_page'],
  ['iova-range', 'registered regions × struct iova + the VT-d table pages its iommu_map calls allocated'],
  ['region-table', 'table pages allocated as pages are tracked (512 entries each; levels = ⌈log512(region pages)⌉)'],
  [
    'flat-array',
    'region pages × 4 B, from kvzalloc: kmalloc rounds up to a power-of-two number of pages up to 4 MiB, vmalloc to whole pages beyond',
  ],
  ['IOMMU tables', 'the GPU DMA domain (host IOMMU on): 4 KiB VT-d table pages in use, top level included'],
  [
    'vfio_pfn',
    "type1's own struct vfio_pfn for every page pinned through vfio_pin_pages (pfn_list), whatever the design",
  ],
  ['total', 'tracking + vfio_pfn + IOMMU tables (iova-range already counts its tables as tracking)'],
];

/** How the model frees IOVAs, for every output that counts them. */
export const IOVA_FREEING =
  'IOVAs are freed strictly (iommu.strict=1): dma_unmap_page returns the iova at once; the default lazy mode (flush queue) returns it ≤ 10 ms later, which this step-by-step model does not show';
