// An iova.c domain (the scenario's own iovad, or the one dma-iommu keeps for the GPU): its allocated
// ranges along the pfn space with the 4 GiB line, where cached_node and cached32_node point, the
// rb-tree, and what the range cache (per-CPU magazines, depot) holds.
import type { Space } from '../../model/inspect/follow';
import type { IovadView } from '../../model/inspect/state';
import { activeSelection, useSelection } from '../../state/selection';
import { useSession } from '../../state/session';
import { overlaps, selectionFootprint, type Footprint } from '../shared/footprint';
import { count, hexNum } from '../shared/format';
import { TreeCanvas } from '../shared/TreeCanvas';

const WIDTH = 560;

interface DomainProps {
  d: IovadView;
  title: string;
  testid: string;
  /** The address space its pfns are pages of: the GPU's dma_addr, or the scenario's iova. */
  space: Space;
  /** Where the selection, and the pinned one, land. */
  fp: Footprint | null;
  pinnedFp: Footprint | null;
}

function Domain({ d, title, testid, space, fp, pinnedFp }: DomainProps) {
  const hl = fp?.[space] ?? null;
  const pinnedHl = pinnedFp?.[space] ?? null;
  const r = d.ranges.cols;
  let top = d.dma32Pfn;
  for (let i = 0; i < d.ranges.length; i++) top = Math.max(top, r.hi[i]! + 1);
  const lo = Math.min(d.startPfn, top - 1);
  const x = (pfn: number) => 8 + ((pfn - lo) / Math.max(1, top - lo)) * (WIDTH - 16);
  const cachedAt = (c: number) => (c < 0 ? WIDTH - 8 : x(c));
  const where = ['loaded', 'prev', 'depot'];
  const rc = d.rcache.cols;
  const rcByOrder = new Map<number, number[]>();
  for (let i = 0; i < d.rcache.length; i++) {
    const k = rc.order[i]!;
    const a = rcByOrder.get(k) ?? [0, 0, 0];
    a[rc.where[i]!]!++;
    rcByOrder.set(k, a);
  }
  const pick = (lo: number, hi: number, pin: boolean) =>
    useSelection.getState().set({
      [pin ? 'pinned' : 'hover']: { space, lo, pages: hi - lo + 1, label: `iova.c range ${hexNum(lo)}–${hexNum(hi)}` },
    });
  const hit = (lo: number, hi: number) => !!hl && overlaps(hl, lo, hi - lo + 1);
  const t = d.tree.nodes.cols;
  return (
    <figure className="iovad" data-testid={testid}>
      <figcaption>
        {title}: {count(d.ranges.length)} ranges · start_pfn {hexNum(d.startPfn)} · max32_alloc_size{' '}
        {hexNum(d.max32AllocSize)}
      </figcaption>
      <svg
        width={WIDTH}
        height={54}
        role="img"
        aria-label={`${title}: allocated ranges, cached nodes and the 4 GiB boundary`}
      >
        <rect x={8} y={14} width={WIDTH - 16} height={18} className="iovad-space" />
        {[...Array(d.ranges.length).keys()].map((i) => (
          <rect
            key={i}
            x={x(r.lo[i]!)}
            y={14}
            width={Math.max(1.5, x(r.hi[i]! + 1) - x(r.lo[i]!))}
            height={18}
            className={`iovad-range ${hit(r.lo[i]!, r.hi[i]!) ? 'selected' : ''}`}
            data-selected={hit(r.lo[i]!, r.hi[i]!) ? 'true' : undefined}
            onClick={() => pick(r.lo[i]!, r.hi[i]!, true)}
          >
            <title>
              [{hexNum(r.lo[i]!)}, {hexNum(r.hi[i]!)}]
            </title>
          </rect>
        ))}
        <line x1={x(d.dma32Pfn)} x2={x(d.dma32Pfn)} y1={8} y2={38} className="iovad-4g" />
        <text x={x(d.dma32Pfn) + 3} y={10} className="iovad-text">
          4 GiB
        </text>
        <path d={`M${cachedAt(d.cached)},40 l-5,9 h10 z`} className="iovad-cached" />
        <text x={cachedAt(d.cached) + 7} y={50} className="iovad-text">
          cached_node{d.cached < 0 ? ' (anchor)' : ''}
        </text>
        <path d={`M${cachedAt(d.cached32)},40 l-5,9 h10 z`} className="iovad-cached32" />
        <text x={Math.max(8, cachedAt(d.cached32) - 90)} y={50} className="iovad-text">
          cached32_node{d.cached32 < 0 ? ' (anchor)' : ''}
        </text>
      </svg>
      {d.rcache.length > 0 && (
        <p className="small">
          range cache:{' '}
          {[...rcByOrder].map(([order, a]) => (
            <span key={order} className="tag">
              {2 ** order} granule{order ? 's' : ''}:{' '}
              {a
                .map((n, k) => (n ? `${n} ${where[k]}` : ''))
                .filter(Boolean)
                .join(', ')}
            </span>
          ))}
        </p>
      )}
      <TreeCanvas
        tree={d.tree}
        title={`${title} rb-tree`}
        testid={`${testid}-tree`}
        label={(row) => `${hexNum(d.tree.nodes.cols.lo[row]!)}–${hexNum(d.tree.nodes.cols.hi[row]!)}`}
        selected={(row) => hit(t.lo[row]!, t.hi[row]!)}
        pinned={(row) => !!pinnedHl && overlaps(pinnedHl, t.lo[row]!, t.hi[row]! - t.lo[row]! + 1)}
        onHover={(row) =>
          row === null ? useSelection.getState().set({ hover: null }) : pick(t.lo[row]!, t.hi[row]!, false)
        }
        onPick={(row) => pick(t.lo[row]!, t.hi[row]!, true)}
      />
    </figure>
  );
}

export function IovaView() {
  const iovad = useSession((s) => s.state?.iovad ?? null);
  const gpu = useSession((s) => s.state?.gpuIovad ?? null);
  const state = useSession((s) => s.state);
  const selection = useSelection(activeSelection);
  const pinned = useSelection((s) => s.pinned);
  const fp = selectionFootprint(state, selection);
  const pinnedFp = pinned === selection ? fp : selectionFootprint(state, pinned);
  if (!iovad && !gpu)
    return (
      <p className="muted">No iova.c domain in this scenario (no iovad, and no vendor mapping through a host IOMMU).</p>
    );
  return (
    <div className="iova-view" data-testid="iova-view">
      <h2 className="panel-title">iova.c</h2>
      {iovad && (
        <Domain d={iovad} title="the scenario's iova domain" testid="iovad" space="iova" fp={fp} pinnedFp={pinnedFp} />
      )}
      {gpu && (
        <Domain
          d={gpu}
          title="the GPU's DMA domain (dma-iommu)"
          testid="gpu-iovad"
          space="dma"
          fp={fp}
          pinnedFp={pinnedFp}
        />
      )}
    </div>
  );
}
