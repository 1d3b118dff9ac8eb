// The vGPU vendor driver's own tracking: KVMGT's gvt_dma cache (its two rb-trees, each entry's gfn,
// dma_addr, size and kref) or the chosen 2016 design's structure (the per-page tree, the table pages
// rooted in each region, the flat array, the iova ranges), with the pages it holds.
import { activeSelection, useSelection } from '../../state/selection';
import { useSession } from '../../state/session';
import { overlaps, selectionFootprint } from '../shared/footprint';
import { count, hexPage, pagesSize } from '../shared/format';
import { TreeCanvas } from '../shared/TreeCanvas';

const ROWS = 12;

export function VendorView() {
  const state = useSession((s) => s.state);
  const selection = useSelection(activeSelection);
  const pinned = useSelection((s) => s.pinned);
  const v = state?.vendor;
  if (!state || !v) return <p className="muted">No vGPU vendor driver in this scenario.</p>;
  const fp = selectionFootprint(state, selection);
  // Rows are ordered by the pinned selection only: rows that moved on hover would jump under the pointer.
  const pinnedFp = selectionFootprint(state, pinned);
  const selectGfn = (gfn: number, pages: number, label: string, pin: boolean) =>
    useSelection.getState().set({ [pin ? 'pinned' : 'hover']: { space: 'gpa', lo: gfn, pages, label } });
  if (v.kind === 'kvmgt') {
    const e = v.entries.cols;
    const hit = (i: number) => !!fp && overlaps(fp.gpa, e.gfn[i]!, e.pages[i]!);
    const shown = [...Array(v.entries.length).keys()]
      .filter((i) => !!pinnedFp && overlaps(pinnedFp.gpa, e.gfn[i]!, e.pages[i]!))
      .concat([...Array(v.entries.length).keys()])
      .slice(0, ROWS);
    const rows = [...new Set(shown)];
    return (
      <div className="vendor" data-testid="vendor-view">
        <h2 className="panel-title">
          KVMGT gvt_dma cache{' '}
          <span className="muted">
            ({count(v.entries.length)} entries, host IOMMU {v.hostIommu})
          </span>
        </h2>
        <table className="entries">
          <thead>
            <tr>
              <th scope="col">gfn</th>
              <th scope="col">dma_addr</th>
              <th scope="col">size</th>
              <th scope="col">kref</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((i) => (
              <tr
                key={i}
                className={hit(i) ? 'selected' : ''}
                data-selected={hit(i) ? 'true' : undefined}
                onPointerEnter={() => selectGfn(e.gfn[i]!, e.pages[i]!, `gvt_dma at gfn ${hexPage(e.gfn[i]!)}`, false)}
                onPointerLeave={() => useSelection.getState().set({ hover: null })}
                onClick={() => selectGfn(e.gfn[i]!, e.pages[i]!, `gvt_dma at gfn ${hexPage(e.gfn[i]!)}`, true)}
              >
                <td>
                  <code>{hexPage(e.gfn[i]!)}</code>
                </td>
                <td>
                  <code>{hexPage(e.dma[i]!)}</code>
                </td>
                <td>{pagesSize(e.pages[i]!)}</td>
                <td>{e.kref[i]}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {v.entries.length > rows.length && (
          <p className="muted small">{count(v.entries.length - rows.length)} more entries</p>
        )}
        <div className="tree-pair">
          <div>
            <h3>gfn_cache</h3>
            <TreeCanvas
              tree={v.gfnTree}
              title="gfn_cache rb-tree"
              testid="gfn-tree"
              label={(r) => hexPage(v.gfnTree.nodes.cols.lo[r]!)}
              selected={(r) => !!fp && overlaps(fp.gpa, v.gfnTree.nodes.cols.lo[r]!, 1)}
              pinned={(r) => !!pinnedFp && overlaps(pinnedFp.gpa, v.gfnTree.nodes.cols.lo[r]!, 1)}
              onHover={(r) =>
                r === null
                  ? useSelection.getState().set({ hover: null })
                  : selectGfn(
                      v.gfnTree.nodes.cols.lo[r]!,
                      1,
                      `gvt_dma at gfn ${hexPage(v.gfnTree.nodes.cols.lo[r]!)}`,
                      false,
                    )
              }
              onPick={(r) =>
                selectGfn(
                  v.gfnTree.nodes.cols.lo[r]!,
                  1,
                  `gvt_dma at gfn ${hexPage(v.gfnTree.nodes.cols.lo[r]!)}`,
                  true,
                )
              }
            />
          </div>
          <div>
            <h3>dma_addr_cache</h3>
            <TreeCanvas
              tree={v.dmaTree}
              title="dma_addr_cache rb-tree"
              testid="dma-addr-tree"
              label={(r) => hexPage(v.dmaTree.nodes.cols.lo[r]!)}
              selected={(r) => !!fp && overlaps(fp.dma, v.dmaTree.nodes.cols.lo[r]!, 1)}
              pinned={(r) => !!pinnedFp && overlaps(pinnedFp.dma, v.dmaTree.nodes.cols.lo[r]!, 1)}
              onHover={() => undefined}
              onPick={(r) =>
                useSelection.getState().set({
                  pinned: {
                    space: 'dma',
                    lo: v.dmaTree.nodes.cols.lo[r]!,
                    pages: 1,
                    label: `dma_addr ${hexPage(v.dmaTree.nodes.cols.lo[r]!)}`,
                  },
                })
              }
            />
          </div>
        </div>
      </div>
    );
  }
  const g = v.regions.cols;
  const t = v.tracked.cols;
  const tablesPerLevel = new Map<number, number>();
  for (let i = 0; i < v.tablePages.length; i++)
    tablesPerLevel.set(v.tablePages.cols.level[i]!, (tablesPerLevel.get(v.tablePages.cols.level[i]!) ?? 0) + 1);
  let trackedPages = 0;
  for (let i = 0; i < v.tracked.length; i++) trackedPages += t.pages[i]!;
  return (
    <div className="vendor" data-testid="vendor-view">
      <h2 className="panel-title">
        2016 design: {v.strategy}{' '}
        <span className="muted">
          ({v.policy}, host IOMMU {v.hostIommu})
        </span>
      </h2>
      <p className="small">
        {count(trackedPages)} pages tracked in {count(v.tracked.length)} runs over {count(v.regions.length)} region
        {v.regions.length === 1 ? '' : 's'}.
        {v.strategy === 'region-table' &&
          ` Table pages: ${[...tablesPerLevel].map(([l, n]) => `level ${l}: ${n}`).join(', ')}.`}
        {v.strategy === 'flat-array' &&
          ` The arrays: ${pagesSize((Array.from(g.pages).reduce((a, n) => a + n, 0) * 4) / 4096)} (4 bytes per page of each region).`}
      </p>
      <table className="entries">
        <thead>
          <tr>
            <th scope="col">region gfn</th>
            <th scope="col">size</th>
            {v.strategy === 'iova-range' && <th scope="col">iova range</th>}
          </tr>
        </thead>
        <tbody>
          {[...Array(Math.min(ROWS, v.regions.length)).keys()].map((i) => (
            <tr key={i} onClick={() => selectGfn(g.gfn[i]!, g.pages[i]!, `region at gfn ${hexPage(g.gfn[i]!)}`, true)}>
              <td>
                <code>{hexPage(g.gfn[i]!)}</code>
              </td>
              <td>{pagesSize(g.pages[i]!)}</td>
              {v.strategy === 'iova-range' && (
                <td>
                  <code>{hexPage(g.iova[i]!)}</code>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {v.pageTree && (
        <>
          <h3>per-page rb-tree</h3>
          <TreeCanvas
            tree={v.pageTree}
            title="per-page rb-tree"
            testid="page-tree"
            label={(r) => hexPage(v.pageTree!.nodes.cols.lo[r]!)}
            selected={(r) => !!fp && overlaps(fp.gpa, v.pageTree!.nodes.cols.lo[r]!, 1)}
            pinned={(r) => !!pinnedFp && overlaps(pinnedFp.gpa, v.pageTree!.nodes.cols.lo[r]!, 1)}
            onHover={(r) =>
              r === null
                ? useSelection.getState().set({ hover: null })
                : selectGfn(
                    v.pageTree!.nodes.cols.lo[r]!,
                    1,
                    `page at gfn ${hexPage(v.pageTree!.nodes.cols.lo[r]!)}`,
                    false,
                  )
            }
            onPick={(r) =>
              selectGfn(v.pageTree!.nodes.cols.lo[r]!, 1, `page at gfn ${hexPage(v.pageTree!.nodes.cols.lo[r]!)}`, true)
            }
          />
        </>
      )}
    </div>
  );
}
