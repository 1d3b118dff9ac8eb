// Where an rb-tree's nodes go on its canvas: in key order left to right, one column each, depth top to
// bottom; of a large tree the top levels that fit MAX_DRAWN, with "+n" under each node of the last level
// drawn for the nodes hanging below it. Pure: the canvas draws it, hit tests on it, and the specs find
// nodes through it.
import type { TreeShape } from '../../model/inspect/tree';

/** Nodes drawn at most: past this, the top levels. */
export const MAX_DRAWN = 127;
/** Room left of the first column (the tree's canvas starts there). */
export const MARGIN = 10;
/** A node's radius, its column's width, a level's height; its label and its "+n" below its centre. */
export const NODE_R = 11;
export const NODE_W = 44;
export const LEVEL_H = 34;
export const LABEL_Y = 24;
export const MORE_Y = 36;

export interface TreeLayout {
  /** The shape's rows drawn, in key order (column k is rows[k]). */
  rows: number[];
  /** Per drawn row: its centre, its parent's column (−1: the root or not drawn), nodes hidden below it. */
  x: number[];
  y: number[];
  parentCol: number[];
  below: number[];
  /** Column of the root, or −1 for an empty tree. */
  rootCol: number;
  /** Levels drawn, and the canvas the tree needs. */
  levels: number;
  width: number;
  height: number;
}

export function layoutTree(tree: TreeShape): TreeLayout {
  const t = tree.nodes;
  const depth = t.cols.depth;
  const byDepth = rowsByDepth(tree);
  // Keep whole levels while they fit.
  let levels = 0;
  let count = 0;
  for (let d = 0; d < byDepth.length; d++) {
    if (count + byDepth[d]!.length > MAX_DRAWN) break;
    count += byDepth[d]!.length;
    levels = d + 1;
  }
  const rows: number[] = [];
  const colOf = new Map<number, number>();
  for (let i = 0; i < t.length; i++)
    if (depth[i]! < levels) {
      colOf.set(i, rows.length);
      rows.push(i);
    }
  // Nodes in each subtree: the shape's own nodes and those it says hang below its cut, added up from the
  // deepest level (the shape may keep more levels than are drawn).
  const subtree = Array.from(t.cols.hidden.subarray(0, t.length), (h) => 1 + h);
  for (let d = byDepth.length - 1; d > 0; d--) for (const i of byDepth[d]!) subtree[t.cols.parent[i]!]! += subtree[i]!;
  const x = rows.map((_, k) => MARGIN + k * NODE_W + NODE_W / 2);
  const y = rows.map((r) => 14 + depth[r]! * LEVEL_H);
  const parentCol = rows.map((r) => colOf.get(t.cols.parent[r]!) ?? -1);
  const below = rows.map((r) => (depth[r] === levels - 1 ? subtree[r]! - 1 : 0));
  return {
    rows,
    x,
    y,
    parentCol,
    below,
    rootCol: rows.findIndex((r) => t.cols.parent[r]! < 0),
    levels,
    width: Math.max(1, rows.length) * NODE_W + 2 * MARGIN,
    height: levels * LEVEL_H + 26,
  };
}

function rowsByDepth(tree: TreeShape): number[][] {
  const out: number[][] = Array.from({ length: tree.height }, () => []);
  for (let i = 0; i < tree.nodes.length; i++) out[tree.nodes.cols.depth[i]!]!.push(i);
  return out;
}

/** The column of the node drawn under the point (tree coordinates), or −1. */
export function nodeAt(l: TreeLayout, px: number, py: number): number {
  const k = Math.round((px - MARGIN - NODE_W / 2) / NODE_W);
  if (k < 0 || k >= l.rows.length) return -1;
  return Math.hypot(px - l.x[k]!, py - l.y[k]!) <= NODE_R + 2 ? k : -1;
}
