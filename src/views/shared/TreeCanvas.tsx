// An rb-tree drawn as the kernel keeps it: nodes in key order left to right, depth top to bottom, red and
// black, each labelled; the top of a large tree with "+n" where nodes hang below the cut (tree-layout.ts).
// On a canvas as wide as its card, the tree scrolling under it, drawn by the page's frame owner: a step
// relabels every node, and as page elements that cost more layout and paint than the rest of the page.
// Nodes that overlap the selection are highlighted; pointing at a node selects it, clicking keeps it.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, type MouseEvent } from 'react';
import type { TreeShape } from '../../model/inspect/tree';
import type { Palette } from './colors';
import { drawsCanvas, invalidate } from './frame';
import { LABEL_Y, MARGIN, MORE_Y, NODE_R, NODE_W, layoutTree, nodeAt, type TreeLayout } from './tree-layout';
import { usePalette } from './usePalette';
import { useScrollStop } from './useScrollStop';
import { useSeenWindow, type SeenWindow } from './useSeenWindow';

/** The red of a red node: the rb-tree's own colour, not one of the legend's meanings. */
const RB_RED = '#d9443a';

export interface TreeCanvasProps {
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

/** What one frame draws: the layout and, per column, its label and how it is outlined. */
interface Scene {
  layout: TreeLayout;
  red: boolean[];
  labels: string[];
  marks: Array<'selected' | 'added' | 'changed' | null>;
  /** How many of the marks are 'selected'. */
  picked: number;
  palette: Palette;
}

export function TreeCanvas({
  tree,
  label,
  title,
  selected,
  pinned,
  changed,
  onHover,
  onPick,
  testid,
}: TreeCanvasProps) {
  const layout = useMemo(() => layoutTree(tree), [tree]);
  const scroller = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const palette = usePalette();
  const mounted = tree.size > 0;
  useScrollStop(scroller, mounted);
  const scene = useRef<Scene | null>(null);
  const hovered = useRef(-1);
  const shown = useRef<string | null>(null);
  const seen = useRef<SeenWindow | null>(null);
  /** Where the pointer is on the canvas: a scroll moves other nodes under it. */
  const pointer = useRef<{ x: number; y: number } | null>(null);
  const hoverAt = useRef<(x: number, y: number) => void>(() => undefined);

  const draw = useCallback(() => {
    const c = canvas.current;
    const s = scene.current;
    const win = seen.current;
    if (c && s && win) paint(c, s, win.left, Math.min(s.layout.width, win.width));
  }, []);
  const moved = useCallback(() => {
    invalidate(draw);
    if (pointer.current && seen.current) hoverAt.current(pointer.current.x + seen.current.left, pointer.current.y);
  }, [draw]);
  const boxWidth = useSeenWindow(scroller, seen, mounted, moved);
  useEffect(() => drawsCanvas(draw), [draw]);

  const red = layout.rows.map((r) => tree.nodes.cols.red[r] === 1);
  const labels = layout.rows.map((r) => label(r).split(' ')[0]!);
  const marks = layout.rows.map((r) => (selected(r) ? 'selected' : (changed?.(r) ?? null)));
  const picked = marks.filter((m) => m === 'selected').length;
  /** The column under the pointer: the canvas stays put while the tree scrolls under it. */
  const colAt = (e: MouseEvent<HTMLCanvasElement>) =>
    nodeAt(layout, e.nativeEvent.offsetX + (seen.current?.left ?? 0), e.nativeEvent.offsetY);
  const hover = (k: number) => {
    if (k === hovered.current) return;
    hovered.current = k;
    const c = canvas.current;
    if (c) {
      c.style.cursor = k < 0 ? '' : 'pointer';
      // The node's whole label, as a tooltip: the canvas draws only its first word.
      c.title = k < 0 ? '' : label(layout.rows[k]!);
    }
    onHover(k < 0 ? null : layout.rows[k]!);
  };
  useLayoutEffect(() => {
    scene.current = { layout, red, labels, marks, picked, palette };
    hoverAt.current = (x, y) => hover(nodeAt(layout, x, y));
    invalidate(draw);
  });

  const kept = pinned ? layout.rows.findIndex(pinned) : -1;
  const focus = kept >= 0 ? kept : layout.rootCol;
  const focusAt = focus < 0 ? null : `${layout.x[focus]} ${layout.y[focus]}`;
  // A tree wider than its card opens on its root, not on its left edge; after that the root, or the pinned
  // node, is brought into view when it is out of it. Only when that node moves, so the tree can still be
  // scrolled by hand; and never for the hovered node, which would move nodes under the pointer. Down, the
  // first scroll box above the tree (its card) scrolls, and only for a pinned node: the root is at the
  // top. Out of view or not is decided on the box's last reported scroll and width: reading them here
  // would lay out the page a second time on every step.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || focus < 0 || shown.current === focusAt) return;
    const first = shown.current === null;
    shown.current = focusAt;
    const fx = layout.x[focus]!;
    const win = seen.current ?? { left: el.scrollLeft, width: el.clientWidth };
    const outside = fx - NODE_W / 2 < win.left || fx + NODE_W / 2 > win.left + win.width;
    if (layout.width > win.width && (outside || (first && kept < 0))) {
      const left = Math.max(0, Math.min(layout.width - win.width, fx - win.width / 2));
      el.scrollTo({ left });
      // As the scroll event will say: a render before it decides on where the box is going.
      if (seen.current) seen.current.left = left;
    }
    if (kept < 0) return;
    let box = el.parentElement;
    while (box && !/auto|scroll|overlay/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
    if (!box || box.scrollHeight <= box.clientHeight) return;
    const top = el.getBoundingClientRect().top + layout.y[focus]! - NODE_R - 4;
    const bottom = el.getBoundingClientRect().top + layout.y[focus]! + MORE_Y + 4;
    const view = box.getBoundingClientRect();
    if (top < view.top) box.scrollBy({ top: top - view.top });
    else if (bottom > view.bottom) box.scrollBy({ top: bottom - view.bottom });
  });

  if (!mounted) return <p className="muted">empty</p>;
  const cut = tree.size > layout.rows.length;
  return (
    <div className="tree-scroll" ref={scroller}>
      <div style={{ width: layout.width, height: layout.height }}>
        <canvas
          ref={canvas}
          className="tree-canvas"
          style={{ width: Math.min(layout.width, boxWidth ?? 0), height: layout.height }}
          role="img"
          aria-label={`${title}: ${tree.size.toLocaleString('en-US')} nodes, height ${tree.height}${
            picked ? `, ${picked} selected` : ''
          }`}
          data-testid={testid}
          onPointerMove={(e) => {
            pointer.current = { x: e.nativeEvent.offsetX, y: e.nativeEvent.offsetY };
            hover(colAt(e));
          }}
          onPointerLeave={() => {
            pointer.current = null;
            hover(-1);
          }}
          onClick={(e) => {
            const k = colAt(e);
            if (k >= 0) onPick(layout.rows[k]!);
          }}
        />
      </div>
      {cut && (
        <p className="muted small">
          {tree.size.toLocaleString('en-US')} nodes, height {tree.height}: the top {layout.levels} levels are drawn.
        </p>
      )}
    </div>
  );
}

/** Draws the part of the tree from `left` on, `width` wide. */
function paint(c: HTMLCanvasElement, s: Scene, left: number, width: number): void {
  const { layout: l, palette: p } = s;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const h = Math.max(1, Math.round(l.height * dpr));
  if (c.width !== w) c.width = w;
  if (c.height !== h) c.height = h;
  const ctx = c.getContext('2d');
  if (!ctx) return;
  // What was drawn, from where: the specs check the drawing through these.
  c.dataset.nodes = String(l.rows.length);
  c.dataset.selectedNodes = String(s.picked);
  c.dataset.left = String(left);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, l.height);
  ctx.translate(-left, 0);
  // Columns in view, and one either side for the edges that cross into it.
  const k0 = Math.max(0, Math.floor((left - MARGIN) / NODE_W) - 1);
  const k1 = Math.min(l.rows.length - 1, Math.ceil((left + width - MARGIN) / NODE_W) + 1);
  ctx.strokeStyle = p.line;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  for (let k = 0; k < l.rows.length; k++) {
    const q = l.parentCol[k]!;
    if (q < 0 || Math.max(k, q) < k0 || Math.min(k, q) > k1) continue;
    ctx.moveTo(l.x[q]!, l.y[q]!);
    ctx.lineTo(l.x[k]!, l.y[k]!);
  }
  ctx.stroke();
  ctx.font = '9px "JetBrains Mono", monospace';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'alphabetic';
  for (let k = k0; k <= k1; k++) {
    const x = l.x[k]!;
    const y = l.y[k]!;
    const fill = s.red[k] ? RB_RED : p.fg;
    const mark = s.marks[k];
    ctx.beginPath();
    ctx.arc(x, y, NODE_R, 0, 2 * Math.PI);
    ctx.fillStyle = fill;
    ctx.fill();
    ctx.strokeStyle =
      mark === 'selected' ? p.select : mark === 'added' ? p.added : mark === 'changed' ? p.changed : fill;
    ctx.lineWidth = mark === 'selected' ? 4 : mark ? 3 : 2;
    ctx.stroke();
    ctx.fillStyle = p.muted;
    ctx.fillText(s.labels[k]!, x, y + LABEL_Y);
    if (l.below[k]! > 0) ctx.fillText(`+${l.below[k]}`, x, y + MORE_Y);
  }
}
