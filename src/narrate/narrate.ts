// What one step did, in one or two plain sentences, from the step as written and what the model reported
// for it. The kernel path and the failed check are shown beside it; this says what changed and by how much.

import { hex } from '../model/addr';
import { isErrno, STRERROR, type ErrnoName } from '../model/errno';
import { RowList } from '../model/engine/rows';
import { refValue } from '../model/engine/run';
import type { StepResult } from '../model/engine/types';

export interface StepInputLike {
  op: string;
  args?: Record<string, unknown>;
}

type Out = StepResult;

function big(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  try {
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
    if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v.trim())) return BigInt(v.trim());
  } catch {
    return null;
  }
  return null;
}

/** An address as the kernel prints one; `…` where the step takes it from an earlier step. */
function addrText(v: unknown): string {
  const b = big(v);
  return b === null ? '…' : hex(b);
}

const UNITS: Array<[bigint, string]> = [
  [1n << 40n, 'TiB'],
  [1n << 30n, 'GiB'],
  [1n << 20n, 'MiB'],
  [1n << 10n, 'KiB'],
];

/** A byte count as people say it: "64 MiB", "4 KiB", or hex when it is not a whole unit. */
export function bytesText(v: unknown): string {
  const b = big(v);
  if (b === null) return '…';
  for (const [u, name] of UNITS) if (b >= u && b % u === 0n) return `${b / u} ${name}`;
  return `${b} bytes`;
}

const count = (n: number, one: string, many = one + 's'): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(big(v) ?? 0));
const list = (v: unknown): Array<Record<string, unknown>> =>
  Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];

/**
 * A result list column by column, whether the model gave it as objects or as columns (a RowList): a
 * 1 TiB MAP_DMA reports half a million chunks, read here without an object or a bigint per row.
 */
interface Rows {
  length: number;
  /** Row i's value of one column (a `page` column's raw cell counts pages). */
  column(key: string): (i: number) => unknown;
  /** Whether that column holds page numbers rather than bytes. */
  inPages(key: string): boolean;
}
function rows(v: unknown): Rows {
  if (v instanceof RowList) {
    const index = new Map(v.columns.map((c, i) => [c.key, i]));
    return {
      length: v.length,
      column: (key) => {
        const c = index.get(key);
        return c === undefined ? () => undefined : v.columnCells[c]!;
      },
      inPages: (key) => v.columns[index.get(key) ?? -1]?.kind === 'page',
    };
  }
  const l = list(v);
  return { length: l.length, column: (key) => (i) => l[i]?.[key], inPages: () => false };
}
// A bool column's raw cell is 0 or 1.
const yes = (v: unknown): boolean => v === true || v === 1;
const flags = (a: Record<string, unknown>): string[] =>
  Array.isArray(a.flags) ? (a.flags as unknown[]).map(String) : [];
const locked = (r: Out): string =>
  typeof r.locked_vm_pages === 'number' ? ` locked_vm is ${count(r.locked_vm_pages, 'page')}.` : '';

/** "-ENOMEM (Cannot allocate memory)": the errno and what a program's perror() would print for it. */
export function errnoText(ret: string): string {
  return isErrno(ret) ? `${ret} (${STRERROR[ret.slice(1) as ErrnoName]})` : ret;
}

/** The leaves the IOMMU driver wrote, by page size: "1 × 1 GiB leaf, 3 × 2 MiB leaves". */
function leavesText(calls: unknown): string {
  const t = rows(calls);
  const pgsize = t.column('pgsize');
  const n = t.column('count');
  // Summed by the raw cell, turned into bytes once per page size.
  const raw = new Map<unknown, number>();
  for (let i = 0; i < t.length; i++) {
    const k = pgsize(i);
    raw.set(k, (raw.get(k) ?? 0) + num(n(i)));
  }
  const by = new Map<bigint, number>();
  for (const [k, c] of raw) {
    const size = t.inPages('pgsize') ? (big(k) ?? 0n) << 12n : big(k);
    if (size !== null) by.set(size, (by.get(size) ?? 0) + c);
  }
  const total = [...by.values()].reduce((s, n) => s + n, 0);
  if (total === 0) return '';
  const parts = [...by]
    .sort((a, b) => (a[0] < b[0] ? 1 : -1))
    .map(([size, n]) => `${n.toLocaleString('en-US')} × ${bytesText(size)}`)
    .join(', ');
  return `${parts} ${total === 1 ? 'leaf' : 'leaves'}`;
}

function mapDma(a: Record<string, unknown>, r: Out): string {
  const where = `${bytesText(a.size)} at iova ${addrText(a.iova)}`;
  if (flags(a).includes('VADDR')) {
    if (typeof r.ret === 'string')
      return `Giving the mapping at iova ${addrText(a.iova)} a new vaddr failed with ${errnoText(r.ret)}.`;
    const woke =
      Array.isArray(r.woken) && r.woken.length > 0 ? ` It woke ${count(r.woken.length, 'caller')} waiting for it.` : '';
    return `The mapping at iova ${addrText(a.iova)} got a new vaddr, ${addrText(a.vaddr)} (VFIO_DMA_MAP_FLAG_VADDR): nothing was pinned or mapped again.${woke}`;
  }
  const chunks = rows(r.pin_chunks);
  let pinned = 0;
  let reserved = 0;
  const isReserved = chunks.column('reserved');
  const npage = chunks.column('npage');
  for (let i = 0; i < chunks.length; i++)
    if (yes(isReserved(i))) reserved++;
    else pinned += num(npage(i));
  if (typeof r.ret === 'string') {
    const undone =
      chunks.length > 0
        ? ` The ${count(pinned, 'page')} pinned before it failed were unpinned and unmapped again (vfio_remove_dma).`
        : '';
    return `Mapping ${where} failed with ${errnoText(r.ret)}.${undone}${locked(r)}`;
  }
  if (chunks.length === 0 && num(r.iommu_map_call_count) === 0)
    return `Mapped ${where} from vaddr ${addrText(a.vaddr)}. No IOMMU domain in the container, so type1 only recorded the vfio_dma: nothing was pinned.${locked(r)}`;
  const leaves = leavesText(r.map_pages_calls);
  return (
    `Mapped ${where} from vaddr ${addrText(a.vaddr)}: vfio_pin_pages_remote pinned ${count(pinned, 'page')} in ${count(chunks.length, 'contiguous chunk')}` +
    `${reserved > 0 ? ` (${count(reserved, 'chunk')} of reserved frames, never charged)` : ''}` +
    ` and vfio_iommu_map made ${count(num(r.iommu_map_call_count), 'iommu_map call')}` +
    `${leaves ? `; the IOMMU driver wrote ${leaves}` : ''}.${locked(r)}`
  );
}

function unmapDma(a: Record<string, unknown>, r: Out): string {
  const f = flags(a);
  const range = f.includes('ALL') ? 'every mapping' : `${bytesText(a.size)} at iova ${addrText(a.iova)}`;
  if (typeof r.ret === 'string') return `Unmapping ${range} failed with ${errnoText(r.ret)}.${locked(r)}`;
  const calls = num(r.vendor_callback_count);
  // 6.0 made the notifier chain a direct call; the path the model reports says which this kernel has.
  const how = ((r.explain as { path?: string[] } | undefined)?.path ?? []).includes('vfio_notify_dma_unmap')
    ? "called the vendor's dma_unmap"
    : 'sent the vendor VFIO_IOMMU_NOTIFY_DMA_UNMAP';
  const told =
    calls > 0 ? ` Pages were still pinned, so type1 ${how} ${count(calls, 'time')} for it to unpin them.` : '';
  if (f.includes('VADDR'))
    return `The vaddr of ${range} was invalidated (VFIO_DMA_UNMAP_FLAG_VADDR): its pins and IOMMU mappings stay until a MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR gives it a new vaddr.${locked(r)}`;
  const size = big(r.size);
  if (size === 0n) return `Nothing was unmapped: unmap.size reads 0.${told}${locked(r)}`;
  return `Unmapped ${f.includes('ALL') ? `every mapping (${bytesText(r.size)})` : `${bytesText(r.size)} from iova ${addrText(a.iova)}`}: each vfio_dma in the range was removed (vfio_remove_dma) with whatever it had mapped and pinned.${told}${locked(r)}`;
}

function pin(a: Record<string, unknown>, r: Out, npage: number): string {
  if (typeof r.ret === 'string') return `Pinning failed with ${errnoText(r.ret)}.${locked(r)}`;
  const pfns = r.pfns ?? r.phys_pfn;
  const n = pfns instanceof RowList ? pfns.length : Array.isArray(pfns) ? pfns.length : 0;
  const at = pfns instanceof RowList ? pfns.row(0) : Array.isArray(pfns) ? (pfns as unknown[])[0] : undefined;
  const first = n > 0 ? `, host pfn ${addrText(at)}${n > 1 ? ' onwards' : ''}` : '';
  return `The vendor pinned ${count(npage, 'page')}${a.iova !== undefined ? ` at iova ${addrText(a.iova)}` : ''}${first}: each has a vfio_pfn in the mapping's pfn_list, a page already there gaining a reference.${locked(r)}`;
}

function unpin(a: Record<string, unknown>, r: Out): string {
  if (typeof r.ret === 'string') return `Unpinning failed with ${errnoText(r.ret)}.${locked(r)}`;
  const ref = r.pfn_list_ref;
  const after =
    ref === null || ref === undefined
      ? `the vfio_pfn at iova ${addrText(a.iova)} is gone`
      : `the vfio_pfn at iova ${addrText(a.iova)} still has ${count(num(ref), 'reference')}`;
  return `The vendor unpinned ${count(num(a.npage), 'page')}: ${after}.${locked(r)}`;
}

function allocIova(a: Record<string, unknown>, r: Out): string {
  if (r.pfn_lo === null || r.pfn_lo === undefined)
    return `alloc_iova returned NULL for ${count(num(a.size), 'page')} at or below limit_pfn ${addrText(a.limit_pfn)}.`;
  const n = Number((big(r.pfn_hi) ?? 0n) - (big(r.pfn_lo) ?? 0n) + 1n);
  return `alloc_iova gave pfns ${addrText(r.pfn_lo)}–${addrText(r.pfn_hi)} (${count(n, 'page')}) at or below limit_pfn ${addrText(a.limit_pfn)}, searching down from its cached node.`;
}

function kvmgtMap(a: Record<string, unknown>, r: Out): string {
  if (typeof r.ret === 'string')
    return `KVMGT could not map gfn ${addrText(a.gfn)}: ${errnoText(r.ret)}${list(r.type1_unpins).length > 0 ? '; the pages it had pinned were unpinned again' : ''}.${locked(r)}`;
  const kref = num(r.kref);
  const how =
    kref > 1
      ? `the gvt_dma entry was already cached, so its kref went up to ${kref} and nothing was pinned`
      : `a new gvt_dma entry, its pages pinned through vfio_pin_pages`;
  return `KVMGT mapped gfn ${addrText(a.gfn)} (${bytesText(a.size ?? 4096)}) to dma_addr ${addrText(r.dma_addr)}: ${how}. ${count(num(r.nr_cache_entries), 'entry', 'entries')} cached.${locked(r)}`;
}

function kvmgtUnmap(a: Record<string, unknown>, r: Out): string {
  const gone = r.kref === null || r.kref === undefined;
  return `KVMGT dropped a reference to dma_addr ${addrText(a.dma_addr)}: ${gone ? 'the last one, so the gvt_dma entry was freed and its pages unpinned' : `kref is now ${num(r.kref)}`}. ${count(num(r.nr_cache_entries), 'entry', 'entries')} cached.${locked(r)}`;
}

function vgpu(op: string, a: Record<string, unknown>, r: Out): string {
  if (typeof r.ret === 'string') return `The vendor's ${op} failed with ${errnoText(r.ret)}.${locked(r)}`;
  const tracking = `its tracking holds ${count(num(r.entries), 'entry', 'entries')} in ${count(num(r.tracking_bytes), 'byte')}`;
  if (op === 'VGPU_MAP_GUEST_PAGE')
    return `The vendor mapped gfn ${addrText(a.gfn)} to dma_addr ${addrText(r.dma_addr)}, pinning ${count(num(r.pins), 'page')}; ${tracking}.${locked(r)}`;
  return `The vendor let go of gfn ${addrText(a.gfn)}, unpinning ${count(num(r.unpins), 'page')}; ${tracking}.${locked(r)}`;
}

function workload(a: Record<string, unknown>, r: Out): string {
  const visits = typeof r.lookup_visits_mean === 'number' ? r.lookup_visits_mean : Number(r.lookup_visits_mean);
  return (
    `A GPU made ${count(num(a.ops), 'access', 'accesses')} (${String(a.pattern)}): the vendor mapped ${count(num(r.maps), 'page')} and unmapped ${count(num(r.unmaps), 'page')}, pinning ${count(num(r.pins), 'page')} in all.` +
    ` Its tracking ended at ${count(num(r.entries), 'entry', 'entries')} (${count(num(r.tracking_bytes), 'byte')}, at most ${count(num(r.peak_tracking_bytes), 'byte')})` +
    `${Number.isFinite(visits) ? `; a lookup visited ${visits.toFixed(1)} nodes on average` : ''}.${locked(r)}`
  );
}

/** Arguments with `{"$ref": "steps[1].dma_addr"}` replaced by what that step reported (when it did). */
function resolved(args: Record<string, unknown>, refs: ReadonlyArray<Record<string, unknown> | undefined>) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const ref = (v as { $ref?: unknown } | null)?.$ref;
    out[k] = typeof ref === 'string' ? refValue(ref, refs) : v;
  }
  return out;
}

/** One or two sentences on what the step did, from its input, its result and what earlier steps reported. */
export function narrate(
  input: StepInputLike,
  r: Out,
  refs: ReadonlyArray<Record<string, unknown> | undefined> = [],
): string {
  const a = resolved(input.args ?? {}, refs);
  if (r.skipped) return `Not run: ${r.skipped}.`;
  if (r.sim_error) return 'The simulator refused this step; the state is the one before it.';
  if (r.ret === 'KERNEL_BUG') return 'The kernel hit a BUG here: in a real host this oopses, and no later step runs.';
  if (r.ret === 'BLOCKED')
    return 'The caller sleeps: it needs a mapping whose vaddr was invalidated, and waits until a MAP_DMA with VFIO_DMA_MAP_FLAG_VADDR gives it one again.';
  switch (input.op) {
    case 'MAP_DMA':
      return mapDma(a, r);
    case 'UNMAP_DMA':
      return unmapDma(a, r);
    case 'PIN_PAGES':
      return pin(a, r, num(a.npage));
    case 'PIN_PAGES_OLD':
      return pin(a, r, Array.isArray(a.user_pfn) ? a.user_pfn.length : 0);
    case 'UNPIN_PAGES':
      return unpin(a, r);
    case 'ATTACH_GROUP':
    case 'DETACH_GROUP': {
      const id = input.op === 'ATTACH_GROUP' ? (a.group as { id?: unknown } | undefined)?.id : a.id;
      const verb = input.op === 'ATTACH_GROUP' ? 'Attaching' : 'Detaching';
      if (typeof r.ret === 'string') return `${verb} group ${String(id ?? '')} failed with ${errnoText(r.ret)}.`;
      return `${input.op === 'ATTACH_GROUP' ? 'Attached' : 'Detached'} group ${String(id ?? '')}.${locked(r)}`;
    }
    case 'ALLOC_IOVA':
      return allocIova(a, r);
    case 'FREE_IOVA':
      return `free_iova released the range holding pfn ${addrText(a.pfn)}; max32_alloc_size is ${addrText(r.max32_alloc_size)}.`;
    case 'RESERVE_IOVA':
      return r.ok
        ? `reserve_iova took pfns ${addrText(a.pfn_lo)}–${addrText(a.pfn_hi)} out of what alloc_iova may hand out.`
        : 'reserve_iova returned no node.';
    case 'ALLOC_IOVA_FAST':
      return num(big(r.pfn)) === 0
        ? `alloc_iova_fast found no ${count(num(a.size), 'page')} at or below limit_pfn ${addrText(a.limit_pfn)}.`
        : `alloc_iova_fast gave pfn ${addrText(r.pfn)} (${count(num(r.allocated_len), 'page')}) from the ${r.from === 'rcache' ? 'per-CPU range cache' : 'rbtree'}.`;
    case 'FREE_IOVA_FAST':
      return r.cached
        ? `free_iova_fast kept the range at pfn ${addrText(a.pfn)} in a per-CPU magazine; the rbtree still holds it.`
        : `free_iova_fast gave the range at pfn ${addrText(a.pfn)} back to the rbtree.`;
    case 'IOMMU_MAP':
      if (typeof r.ret === 'string') return `iommu_map failed with ${errnoText(r.ret)}.`;
      return `iommu_map of ${bytesText(a.size)} at iova ${addrText(a.iova)} to paddr ${addrText(a.paddr)}: the driver wrote ${leavesText(r.map_pages_calls) || 'no leaves'}.`;
    case 'IOMMU_UNMAP':
      return `iommu_unmap of ${bytesText(a.size)} at iova ${addrText(a.iova)} unmapped ${bytesText(r.unmapped)}.`;
    case 'KVMGT_MAP_GUEST_PAGE':
      return kvmgtMap(a, r);
    case 'KVMGT_UNMAP_GUEST_PAGE':
      return kvmgtUnmap(a, r);
    case 'VGPU_MAP_GUEST_PAGE':
    case 'VGPU_UNMAP_GUEST_PAGE':
      return vgpu(input.op, a, r);
    case 'VGPU_WORKLOAD':
      return workload(a, r);
    default:
      break;
  }
  if (typeof r.ret === 'string' && r.ret.startsWith('-E')) return `${input.op} failed with ${errnoText(r.ret)}.`;
  switch (input.op) {
    case 'GET_INFO':
      return `Userspace read the container's info: IOVA page sizes ${addrText(r.iova_pgsizes)}${
        list(r.caps_chain).length > 0
          ? `, capabilities ${list(r.caps_chain)
              .map((c) => String(c.name))
              .join(', ')}`
          : ''
      }.`;
    case 'CHECK_EXTENSION':
      return `${String(a.ext)} is ${r.ret === 0 ? 'not ' : ''}supported by this container.`;
    case 'DIRTY_PAGES':
      return `Dirty page tracking: ${flags(a).join(', ') || 'no flag'} done.`;
    case 'ENCODE':
      return `The VT-d second-level entry encodes to ${addrText(r.value)}.`;
    case 'INDEX':
      return `The table index of iova ${addrText(a.iova)} at each level: ${Object.keys(r)
        .filter((k) => /^L\d$/.test(k))
        .sort()
        .reverse()
        .map((k) => `${k} ${String(r[k])}`)
        .join(', ')}.`;
    default:
      return '';
  }
}
