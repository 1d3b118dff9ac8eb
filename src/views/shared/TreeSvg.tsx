// An rb-tree drawn as the kernel keeps it: nodes in key order left to right, depth top to bottom, red
// and black, each labelled; the top of a large tree with "+n" where nodes hang below the cut. SVG (a
// tree is a few hundred nodes at most here). Nodes overlapping the selection are highlighted.
import type { TreeShape } from '../../model/inspect/tree';

/** Nodes drawn at most: past this, the top levels. */
const MAX_DRAWN = 127;

export interface TreeSvgProps {
  tree: TreeShape;
  label: (row: number) => string;
  title: string;
  selected: (row: number) => boolean;
  changed?: (row: number) => 'added' | 'changed' | null;
  onHover: (row: number | null) => void;
  onPick: (row: number) => void;
  testid: string;
}

export function TreeSvg({ tree, label, title, selected, changed, onHover, onPick, testid }: TreeSvgProps) {
  const t = tree.nodes;
  if (tree.size === 0) return <p className="muted">empty</p>;
  // Keep whole levels while they fit.
  let depthLimit = 0;
  let count = 0;
  for (let d = 0; d < tree.height; d++) {
    let atDepth = 0;
    for (let i = 0; i < t.length; i++) if (t.cols.depth[i] === d) atDepth++;
    if (count + atDepth > MAX_DRAWN) break;
    count += atDepth;
    depthLimit = d + 1;
  }
  const rows: number[] = [];
  for (let i = 0; i < t.length; i++) if (t.cols.depth[i]! < depthLimit) rows.push(i);
  const colOf = new Map(rows.map((r, k) => [r, k]));
  const W = 44;
  const H = 34;
  const width = Math.max(1, rows.length) * W + 20;
  const height = depthLimit * H + 26;
  const x = (r: number) => 10 + colOf.get(r)! * W + W / 2;
  const y = (r: number) => 14 + t.cols.depth[r]! * H;
  // Children of the last drawn level that hang below the cut, counted in one pass over the nodes.
  const cutChildren = new Map<number, number>();
  for (let i = 0; i < t.length; i++)
    if (t.cols.depth[i] === depthLimit) {
      const p = t.cols.parent[i]!;
      cutChildren.set(p, (cutChildren.get(p) ?? 0) + 1);
    }
  const hiddenBelow = (r: number) =>
    t.cols.depth[r] === depthLimit - 1 ? t.cols.hidden[r]! + (cutChildren.get(r) ?? 0) : 0;
  return (
    <div className="tree-scroll">
      {/* Keyed by place, not by node: after a step the same elements take the new nodes' labels and
          places. A cut tree's rows are renumbered by every step that adds or removes nodes: keyed by row,
          every node drawn would be made again. */}
      <svg width={width} height={height} role="group" aria-label={title} data-testid={testid} className="tree">
        {rows.map((r, k) => {
          const p = t.cols.parent[r]!;
          return p >= 0 && colOf.has(p) ? (
            <line key={`e${k}`} x1={x(p)} y1={y(p)} x2={x(r)} y2={y(r)} className="edge" />
          ) : null;
        })}
        {rows.map((r, k) => {
          const sel = selected(r);
          const ch = changed?.(r) ?? null;
          const below = hiddenBelow(r);
          return (
            <g
              key={k}
              className={`node ${t.cols.red[r] ? 'red' : 'black'} ${sel ? 'selected' : ''} ${ch ?? ''}`}
              transform={`translate(${x(r)},${y(r)})`}
              onPointerEnter={() => onHover(r)}
              onPointerLeave={() => onHover(null)}
              onClick={() => onPick(r)}
              data-selected={sel ? 'true' : undefined}
              data-testid={`${testid}-node`}
            >
              <title>{label(r)}</title>
              <circle r={11} />
              <text y={24} textAnchor="middle" className="node-label">
                {label(r).split(' ')[0]}
              </text>
              {below > 0 && (
                <text y={36} textAnchor="middle" className="node-more">
                  +{below}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {tree.size > rows.length && (
        <p className="muted small">
          {tree.size.toLocaleString('en-US')} nodes, height {tree.height}: the top {depthLimit} levels are drawn.
        </p>
      )}
    </div>
  );
}
