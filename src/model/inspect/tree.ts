// The shape of an rb-tree as the views draw it: nodes in order with their depth, colour and parent, the
// top of the tree only when it is large (with how many nodes hang below each cut). Read-only.

import type { RbNode, RbTree } from '../lib/rbtree';
import { TableBuilder, type Table } from '../lib/table';

/** More nodes than a view can label: the shape keeps the top levels. */
export const MAX_TREE_NODES = 1023;

export interface TreeShape {
  size: number;
  height: number;
  /** In-order nodes: key range, depth (root 0), red, parent's row (−1 for the root), nodes hidden below. */
  nodes: Table<'lo' | 'hi' | 'depth' | 'red' | 'parent' | 'hidden'>;
}

export function treeShape(tree: RbTree): TreeShape {
  // The deepest level kept: levels are taken from the top while the node count allows. A walk of the top
  // levels finds it; only when the tree goes deeper than that is the rest walked (for the height and
  // the nodes hidden below each cut node): the nodes are objects all over the heap, and each walk of
  // thousands of them costs about a millisecond.
  let keep = 0;
  let count = 0;
  for (let level: RbNode[] = tree.root ? [tree.root] : []; level.length > 0; keep++) {
    count += level.length;
    if (count > MAX_TREE_NODES) break;
    const below: RbNode[] = [];
    for (const n of level) {
      if (n.left) below.push(n.left);
      if (n.right) below.push(n.right);
    }
    level = below;
  }
  let height = keep;
  /** Nodes below each node of the last kept level. */
  const hidden = new Map<RbNode, number>();
  const walk = (n: RbNode | null, d: number): number => {
    if (!n) return 0;
    if (d + 1 > height) height = d + 1;
    const size = 1 + walk(n.left, d + 1) + walk(n.right, d + 1);
    if (d === keep - 1) hidden.set(n, size - 1);
    return size;
  };
  if (count > MAX_TREE_NODES) walk(tree.root, 0);
  const b = new TableBuilder(['lo', 'hi', 'depth', 'red', 'parent', 'hidden'] as const);
  // In order over the kept levels only; a node's row is known once its left subtree is written, and its
  // children's rows once both subtrees are: parents are filled in on the way back up.
  const parent: number[] = [];
  const visit = (n: RbNode | null, d: number): number => {
    if (!n || d >= keep) return -1;
    const left = visit(n.left, d + 1);
    const row = b.length;
    b.push(n.lo, n.hi, d, n.red ? 1 : 0, -1, hidden.get(n) ?? 0);
    parent.push(-1);
    const right = visit(n.right, d + 1);
    if (left >= 0) parent[left] = row;
    if (right >= 0) parent[right] = row;
    return row;
  };
  visit(tree.root, 0);
  const t = b.build();
  t.cols.parent.set(parent);
  return { size: tree.size, height, nodes: t };
}
