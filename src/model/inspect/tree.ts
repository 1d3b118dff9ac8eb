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

function heightOf(n: RbNode | null): number {
  return n ? 1 + Math.max(heightOf(n.left), heightOf(n.right)) : 0;
}

function sizeOf(n: RbNode | null): number {
  return n ? 1 + sizeOf(n.left) + sizeOf(n.right) : 0;
}

export function treeShape(tree: RbTree): TreeShape {
  const height = heightOf(tree.root);
  // The deepest level kept: all levels while the node count allows.
  let keep = height;
  for (let d = 0, count = 0, level: RbNode[] = tree.root ? [tree.root] : []; d < height; d++) {
    count += level.length;
    if (count > MAX_TREE_NODES) {
      keep = d;
      break;
    }
    level = level.flatMap((n) => [n.left, n.right].filter((c): c is RbNode => c !== null));
  }
  const b = new TableBuilder(['lo', 'hi', 'depth', 'red', 'parent', 'hidden'] as const);
  // In order over the kept levels only; a node's row is known once its left subtree is written, and its
  // children's rows once both subtrees are: parents are filled in on the way back up.
  const parent: number[] = [];
  const visit = (n: RbNode | null, d: number): number => {
    if (!n || d >= keep) return -1;
    const left = visit(n.left, d + 1);
    const row = b.length;
    b.push(n.lo, n.hi, d, n.red ? 1 : 0, -1, d === keep - 1 ? sizeOf(n.left) + sizeOf(n.right) : 0);
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
