// An rb-tree drawn as the kernel keeps it: nodes in key order left to right, depth top to bottom, red
// and black, each labelled; the top of a large tree with "+n" where nodes hang below the cut. SVG (a
// tree is a few hundred nodes at most here). Nodes overlapping the selection are highlighted.
import { useLayoutEffect, useRef } from 'react';
import type { TreeShape } from '../../model/inspect/tree';

/** Nodes drawn at most: past this, the top levels. */
const MAX_DRAWN = 127;
/** A node's radius, and the height of a level (a node, its label and the edge down). */
const NODE_R = 11;
const LEVEL_H = 34;
const LABELS_BELOW = 40;

export interface TreeSvgProps {
  tree: TreeShape;
  label: (row: number) => string;
  title: string;
  selected: (row: number) => boolean;
  /** Nodes of the pinned selection (not the hovered one): the tree keeps the first in view. */
  pinned?: (row: number) => boolean;
  changed?: (row: number) => 'added' | 'changed' | null;
  onHover: (row: number | null) => void;
  onPick: (row: number) => void;
  testid: string;
}

export function TreeSvg({ tree, label, title, selected, pinned, changed, onHover, onPick, testid }: TreeSvgProps) {
  const t = tree.nodes;
  const scroller = useRef<HTMLDivElement>(null);
  const centred = useRef<string | null>(null);
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
  const width = Math.max(1, rows.length) * W + 20;
  const height = depthLimit * LEVEL_H + 26;
  const x = (r: number) => 10 + colOf.get(r)! * W + W / 2;
  const y = (r: number) => 14 + t.cols.depth[r]! * LEVEL_H;
  // Children of the last drawn level that hang below the cut, counted in one pass over the nodes.
  const cutChildren = new Map<number, number>();
  for (let i = 0; i < t.length; i++)
    if (t.cols.depth[i] === depthLimit) {
      const p = t.cols.parent[i]!;
      cutChildren.set(p, (cutChildren.get(p) ?? 0) + 1);
    }
  const hiddenBelow = (r: number) =>
    t.cols.depth[r] === depthLimit - 1 ? t.cols.hidden[r]! + (cutChildren.get(r) ?? 0) : 0;
  const isSelected = rows.map(selected);
  const root = rows.find((r) => t.cols.parent[r]! < 0);
  const kept = pinned ? rows.find(pinned) : undefined;
  const focus = kept ?? root;
  const focusAt = focus === undefined ? null : `${x(focus)} ${y(focus)}`;
  // A tree larger than its card opens on its root and keeps the pinned node in view, instead of showing
  // its top left corner; only when that node moves (never on hover, which would move nodes under the
  // pointer), so the card can still be scrolled by hand. Across, the tree scrolls on its own; down, the
  // first scroll container above it (the card) does, and only to a pinned node: the root is the top.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || focus === undefined || centred.current === focusAt) return;
    centred.current = focusAt;
    if (el.scrollWidth > el.clientWidth) el.scrollLeft = x(focus) - el.clientWidth / 2;
    let box = el.parentElement;
    while (box && !/auto|scroll/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
    if (kept === undefined || !box || box.scrollHeight <= box.clientHeight) return;
    // The node, its label and the "+n" below it.
    const top = el.getBoundingClientRect().top + y(focus) - NODE_R - 4;
    const bottom = top + NODE_R + 4 + LABELS_BELOW;
    const view = box.getBoundingClientRect();
    if (top < view.top) box.scrollTop -= view.top - top;
    else if (bottom > view.bottom) box.scrollTop += bottom - view.bottom;
  });
  if (tree.size === 0) return <p className="muted">empty</p>;
  return (
    <div className="tree-scroll" ref={scroller}>
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
          const sel = isSelected[k];
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
              <circle r={NODE_R} />
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
