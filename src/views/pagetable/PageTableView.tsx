// The IOMMU page table of the container's first domain (else the GPU's DMA domain's), level by level from the root: how many table
// pages each level holds and how many leaves (superpages marked), and for the iova in focus the table
// page at every level as its 512 entries, the walked entry ringed; hovering an entry shows its raw value
// and decoded bits.
import { memo, useMemo, useState } from 'react';
import type { PageTableView as Pt } from '../../model/inspect/state';
import { activeSelection, useSelection } from '../../state/selection';
import { useSession } from '../../state/session';
import { selectionFootprint } from '../shared/footprint';
import { count, hexPage, pagesSize } from '../shared/format';
import { decodePte } from '../shared/pte';
import { pageTableLevels, rowAt, runOf } from '../translation/layout';

const SPAN = (level: number) => 512 ** (level - 1);
const SIZE: Record<number, string> = { 1: '4 KiB', 2: '2 MiB', 3: '1 GiB', 4: '512 GiB', 5: '256 TiB' };

interface Entry {
  value: number;
  kind: 'empty' | 'table' | 'leaf';
}

/** The 512 entries of the table page at `level` that covers iova page p, rebuilt from the columns. */
function tablePage(
  pt: Pt,
  levels: ReturnType<typeof pageTableLevels>,
  level: number,
  p: number,
): { base: number; pfn: number; entries: Entry[] } | null {
  // The table page of this level covering p is one entry of the level above (or the root).
  let row: number;
  if (level === pt.levels) row = 0;
  else {
    const above = levels.get(level + 1)!;
    const t = rowAt(above.tables, p);
    row = t >= 0 ? above.tableRows[t]! : -1;
  }
  if (row < 0) return null;
  const base = pt.tables.cols.base[row]!;
  const pfn = pt.tables.cols.pfn[row]!;
  const here = levels.get(level)!;
  const entries: Entry[] = [];
  for (let i = 0; i < 512; i++) {
    const start = base + i * SPAN(level);
    const child = rowAt(here.tables, start);
    if (child >= 0 && here.tables.start[child] === start) {
      entries.push({ value: pt.tables.cols.pfn[here.tableRows[child]!]! * 4096 + 3, kind: 'table' });
      continue;
    }
    const leaf = rowAt(here.leaves, start);
    if (leaf >= 0) {
      const r = runOf(here, leaf);
      const phys = pt.runs.cols.pfn[r]! + (start - pt.runs.cols.iova[r]!);
      entries.push({ value: phys * 4096 + pt.runs.cols.bits[r]!, kind: 'leaf' });
      continue;
    }
    entries.push({ value: 0, kind: 'empty' });
  }
  return { base, pfn, entries };
}

/** The entry a pointer event landed on (its cell's data-i), or null between cells. */
function cellIndex(target: EventTarget): number | null {
  const i = (target as HTMLElement).dataset?.i;
  return i === undefined ? null : Number(i);
}

/** A table page's 512 cells, drawn again only when one of their classes changes. */
const Cells = memo(function Cells({ classes }: { classes: string }) {
  return (
    <>
      {classes.split(',').map((c, i) => (
        <span key={i} className={c} data-i={i} />
      ))}
    </>
  );
});

const countsOf = new WeakMap<Pt, Array<{ level: number; tables: number; used: number; leaves: number }>>();

/** Table pages, entries used and leaves at each level, top level first: one pass over the table pages. */
function countsPerLevel(pt: Pt): Array<{ level: number; tables: number; used: number; leaves: number }> {
  const hit = countsOf.get(pt);
  if (hit) return hit;
  const rows = Array.from({ length: pt.levels + 1 }, (_, level) => ({ level, tables: 0, used: 0, leaves: 0 }));
  for (let i = 0; i < pt.tables.length; i++) {
    const r = rows[pt.tables.cols.level[i]!];
    if (!r) continue;
    r.tables++;
    r.used += pt.tables.cols.used[i]!;
  }
  // The domain counts its leaves as it writes and clears them.
  rows[1]!.leaves = pt.leaves['4K'];
  rows[2]!.leaves = pt.leaves['2M'];
  rows[3]!.leaves = pt.leaves['1G'];
  const out = rows.slice(1).reverse();
  countsOf.set(pt, out);
  return out;
}

export function PageTableView() {
  // Without a container domain, a vendor with a host IOMMU still has one table: the GPU's DMA domain.
  const pt = useSession((s) => s.state?.iommu ?? s.state?.gpu ?? null);
  const isGpu = useSession((s) => !s.state?.iommu && !!s.state?.gpu);
  const space = isGpu ? 'dma' : 'iova';
  const selection = useSelection(activeSelection);
  const follow = useSelection((s) => s.follow);
  const levels = useMemo(() => (pt ? pageTableLevels(pt) : null), [pt]);
  const fp = selectionFootprint(
    useSession((s) => s.state),
    selection,
  );
  const [hover, setHover] = useState<{ level: number; index: number } | null>(null);
  if (!pt || !levels)
    return <p className="muted">No IOMMU domain in this container: nothing is mapped for DMA by an IOMMU.</p>;
  // The address in focus: the followed one, else where the selection lands first, else the first mapping.
  const focus =
    follow?.space === space && follow.chain
      ? Number(BigInt(follow.addr) >> 12n)
      : fp && fp[space].lo.length > 0
        ? fp[space].lo[0]!
        : pt.runs.length > 0
          ? pt.runs.cols.iova[0]!
          : 0;
  const perLevel = countsPerLevel(pt);
  return (
    <div className="pagetable" data-testid="page-table-view">
      <h2 className="panel-title">
        {isGpu ? "The GPU's DMA domain page table" : 'IOMMU page table'}{' '}
        <span className="muted">
          ({pt.id}, {pt.levels}-level, {pt.gawBits}-bit)
        </span>
      </h2>
      <table className="levels">
        <thead>
          <tr>
            <th scope="col">level</th>
            <th scope="col">an entry maps</th>
            <th scope="col">table pages</th>
            <th scope="col">entries used</th>
            <th scope="col">leaves</th>
          </tr>
        </thead>
        <tbody>
          {perLevel.map((l) => (
            <tr key={l.level} data-testid={`pt-level-${l.level}`}>
              <th scope="row">L{l.level}</th>
              <td>{SIZE[l.level]}</td>
              <td>{count(l.tables)}</td>
              <td>{count(l.used)}</td>
              <td>
                {count(l.leaves)}
                {l.level > 1 && l.leaves > 0 && <span className="tag">superpage</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted small">
        Table pages at {isGpu ? 'dma_addr' : 'iova'} <code>{hexPage(focus)}</code> (the selection or the followed
        address):
      </p>
      <div className="table-pages">
        {perLevel.map(({ level }) => {
          const page = tablePage(pt, levels, level, focus);
          if (!page) return null;
          const index = Math.floor((focus - page.base) / SPAN(level)) % 512;
          const h = hover?.level === level ? page.entries[hover.index] : null;
          const d = h ? decodePte(h.value, h.kind === 'leaf', level) : null;
          return (
            <figure key={level} className="tpage" data-testid={`tpage-L${level}`}>
              <figcaption>
                L{level} table page <code>{hexPage(page.pfn)}</code>, covers {hexPage(page.base)} +{' '}
                {pagesSize(512 * SPAN(level))}
              </figcaption>
              {/* One handler per table page, not per entry: 512 cells a level re-render on every step. */}
              <div
                className="cells"
                role="group"
                aria-label={`L${level} table page entries`}
                onPointerOver={(e) => {
                  const i = cellIndex(e.target);
                  if (i !== null && (hover?.level !== level || hover.index !== i)) setHover({ level, index: i });
                }}
                onPointerLeave={() => setHover(null)}
                onClick={(e) => {
                  const i = cellIndex(e.target);
                  if (i === null) return;
                  useSelection.getState().set({
                    pinned: {
                      space,
                      lo: page.base + i * SPAN(level),
                      pages: SPAN(level),
                      label: `L${level} entry ${i} of the table page ${hexPage(page.pfn)}`,
                    },
                  });
                }}
              >
                <Cells
                  classes={page.entries
                    .map(
                      (e, i) => `cell ${e.kind}${e.kind === 'leaf' ? ` l${level}` : ''}${i === index ? ' walked' : ''}`,
                    )
                    .join(',')}
                />
              </div>
              <div className="entry-info" aria-live="polite">
                {d && hover ? (
                  <>
                    entry {hover.index}: <code>{h!.kind === 'empty' ? '0 (not present)' : d.raw}</code>{' '}
                    {h!.kind !== 'empty' && (
                      <span className="muted">
                        {h!.kind === 'leaf' ? `leaf → ${d.addr}` : `next table at ${d.addr}`}; {d.bits.join(', ')}
                      </span>
                    )}
                  </>
                ) : (
                  <span className="muted">entry {index} is walked; point at an entry for its bits</span>
                )}
              </div>
            </figure>
          );
        })}
      </div>
    </div>
  );
}
