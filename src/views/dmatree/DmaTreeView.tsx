// type1's vfio_dma rb-tree (iommu->dma_list): a node per mapping, and for the selected one its iova,
// size, vaddr, prot, flags and its pfn_list (the pages a vendor pinned through vfio_pin_pages).
import { activeSelection, useSelection } from '../../state/selection';
import { useSession } from '../../state/session';
import { overlaps, selectionFootprint } from '../shared/footprint';
import { count, hexPage, pagesSize } from '../shared/format';
import { firstOverlap } from '../shared/ranges';
import { TreeCanvas } from '../shared/TreeCanvas';
import { ADDED } from '../../model/inspect/diff';
import { firstStartingAfter } from '../../model/lib/search';

const PROT = (p: number) => [p & 1 ? 'READ' : '', p & 2 ? 'WRITE' : ''].filter(Boolean).join('|') || 'none';

export function DmaTreeView() {
  const state = useSession((s) => s.state);
  const changes = useSession((s) => s.changes);
  const selection = useSelection(activeSelection);
  const pinned = useSelection((s) => s.pinned);
  if (!state) return null;
  const d = state.dmas.cols;
  const tree = state.dmaTree;
  // Tree rows are in iova order, as dmas are.
  // The vfio_dma row of a tree node: rows are in iova order, so a binary search finds it.
  const rowOf = (r: number) => firstStartingAfter(d.iova, state.dmas.length, tree.nodes.cols.lo[r]! - 1);
  const fp = selectionFootprint(state, selection);
  const sel = (k: number) => !!fp && overlaps(fp.iova, d.iova[k]!, Math.max(1, d.pages[k]!));
  const pinnedFp = pinned === selection ? fp : selectionFootprint(state, pinned);
  const picked = selection ? [...Array(state.dmas.length).keys()].find((k) => sel(k)) : undefined;
  const choose = (k: number, pin: boolean) =>
    useSelection.getState().set({
      [pin ? 'pinned' : 'hover']: {
        space: 'iova',
        lo: d.iova[k]!,
        pages: d.pages[k]!,
        label: `vfio_dma at iova ${hexPage(d.iova[k]!)}`,
      },
    });
  const pinsIn = (k: number) => {
    const out: Array<[number, number, number, number]> = [];
    const p = state.pins.cols;
    for (let i = 0; i < state.pins.length && out.length < 8; i++)
      if (p.iova[i]! >= d.iova[k]! && p.iova[i]! < d.iova[k]! + d.pages[k]!)
        out.push([p.iova[i]!, p.pfn[i]!, p.pages[i]!, p.ref[i]!]);
    return out;
  };
  return (
    <div className="dmatree" data-testid="dma-tree-view">
      <h2 className="panel-title">
        vfio_dma tree <span className="muted">({count(state.dmas.length)} mappings)</span>
      </h2>
      <TreeCanvas
        tree={tree}
        title="vfio_dma rb-tree"
        testid="dma-tree"
        label={(r) => `${hexPage(tree.nodes.cols.lo[r]!)} ${pagesSize(d.pages[rowOf(r)] ?? 0)}`}
        selected={(r) => sel(rowOf(r))}
        pinned={(r) => !!pinnedFp && overlaps(pinnedFp.iova, d.iova[rowOf(r)]!, Math.max(1, d.pages[rowOf(r)]!))}
        changed={(r) => {
          const k = rowOf(r);
          if (!changes) return null;
          const i = firstOverlap(changes.iova, d.iova[k]!, d.iova[k]! + d.pages[k]!);
          return i < 0 ? null : changes.iova.cols.kind[i] === ADDED ? 'added' : 'changed';
        }}
        onHover={(r) => (r === null ? useSelection.getState().set({ hover: null }) : choose(rowOf(r), false))}
        onPick={(r) => choose(rowOf(r), true)}
      />
      {picked !== undefined && (
        <table className="kv" data-testid="dma-detail">
          <tbody>
            <tr>
              <th scope="row">iova</th>
              <td>
                <code>{hexPage(d.iova[picked]!)}</code> + {pagesSize(d.pages[picked]!)}
              </td>
            </tr>
            <tr>
              <th scope="row">vaddr</th>
              <td>
                <code>{hexPage(d.vpfn[picked]!)}</code>
              </td>
            </tr>
            <tr>
              <th scope="row">prot</th>
              <td>{PROT(d.prot[picked]!)}</td>
            </tr>
            <tr>
              <th scope="row">state</th>
              <td>
                {d.flags[picked]! & 1 ? 'iommu_mapped' : 'not iommu_mapped'}
                {d.flags[picked]! & 2 ? ', vaddr invalid' : ''}
              </td>
            </tr>
            <tr>
              <th scope="row">pfn_list</th>
              <td>
                {count(d.vfioPfns[picked]!)} vfio_pfn
                {pinsIn(picked).map(([iova, pfn, pages, ref]) => (
                  <div key={iova}>
                    <code>{hexPage(iova)}</code> → <code>{hexPage(pfn)}</code>
                    {pages > 1 ? ` ×${pages}` : ''} ref {ref}
                  </div>
                ))}
              </td>
            </tr>
          </tbody>
        </table>
      )}
    </div>
  );
}
