// An rb-tree drawn as the kernel keeps it: nodes in key order left to right, depth top to bottom, red
// and black, each labelled; the top of a large tree with "+n" where nodes hang below the cut. SVG (a
// tree is a few hundred nodes at most here). Nodes overlapping the selection are highlighted.
import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import type { TreeShape } from '../../model/inspect/tree';
import { useScrollStop } from './useScrollStop';

/** Nodes drawn at most: past this, the top levels. */
const MAX_DRAWN = 127;
/** A node's radius, its column's width, a level's height; its label and its "+n" below its centre. */
const NODE_R = 11;
const NODE_W = 44;
const LEVEL_H = 34;
const LABEL_Y = 24;
const MORE_Y = 36;

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
  const shown = useRef<string | null>(null);
  useScrollStop(scroller, tree.size > 0);
  const seen = useSeenWindow(scroller, tree.size > 0);
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
  const width = Math.max(1, rows.length) * NODE_W + 20;
  const height = depthLimit * LEVEL_H + 26;
  const x = (r: number) => 10 + colOf.get(r)! * NODE_W + NODE_W / 2;
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
  const root = rows.find((r) => t.cols.parent[r]! < 0);
  const kept = pinned ? rows.find(pinned) : undefined;
  const focus = kept ?? root;
  const focusAt = focus === undefined ? null : `${x(focus)} ${y(focus)}`;
  // A tree wider than its card opens on its root, not on its left edge; after that the root, or the pinned
  // node, is brought into view when it is out of it. Only when that node moves, so the tree can still be
  // scrolled by hand; and never for the hovered node, which would move nodes under the pointer. Down, the
  // first scroll box above the tree (its card) scrolls, and only for a pinned node: the root is at the
  // top. Out of view or not is decided on the box's last reported scroll and width: reading them here
  // would lay out the page a second time on every step.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || focus === undefined || shown.current === focusAt) return;
    const first = shown.current === null;
    shown.current = focusAt;
    const fx = x(focus);
    const win = seen.current ?? { left: el.scrollLeft, width: el.clientWidth };
    const outside = fx - NODE_W / 2 < win.left || fx + NODE_W / 2 > win.left + win.width;
    if (width > win.width && (outside || (first && kept === undefined))) el.scrollTo({ left: fx - win.width / 2 });
    if (kept === undefined) return;
    let box = el.parentElement;
    while (box && !/auto|scroll|overlay/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
    if (!box || box.scrollHeight <= box.clientHeight) return;
    const top = el.getBoundingClientRect().top + y(focus) - NODE_R - 4;
    const bottom = el.getBoundingClientRect().top + y(focus) + MORE_Y + 4;
    const view = box.getBoundingClientRect();
    if (top < view.top) box.scrollBy({ top: top - view.top });
    else if (bottom > view.bottom) box.scrollBy({ top: bottom - view.bottom });
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
              data-root={r === root ? 'true' : undefined}
              data-testid={`${testid}-node`}
            >
              <title>{label(r)}</title>
              <circle r={NODE_R} />
              <text y={LABEL_Y} textAnchor="middle" className="node-label">
                {label(r).split(' ')[0]}
              </text>
              {below > 0 && (
                <text y={MORE_Y} textAnchor="middle" className="node-more">
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

/**
 * The scroll position and width of a box as it last reported them (a scroll event, a resize), or null
 * before its first report: reading them costs nothing.
 */
function useSeenWindow(
  ref: RefObject<HTMLElement | null>,
  mounted: boolean,
): RefObject<{ left: number; width: number } | null> {
  const seen = useRef<{ left: number; width: number } | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => (seen.current = { left: el.scrollLeft, width: el.clientWidth }));
    const onScroll = () => {
      if (seen.current) seen.current.left = el.scrollLeft;
    };
    ro.observe(el);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      ro.disconnect();
      el.removeEventListener('scroll', onScroll);
      seen.current = null;
    };
  }, [ref, mounted]);
  return seen;
}
