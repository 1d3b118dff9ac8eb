// The shape of an rb-tree as the views draw it: nodes in order with their depth, colour and parent, the
// top of the tree only when it is large (with how many nodes hang below each cut). Read-only.

import { next, type RbNode, type RbTree } from '../lib/rbtree';
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
  const row = new Map<RbNode, number>();
  const depthOf = (n: RbNode) => {
    let d = 0;
    for (let p = n.parent; p; p = p.parent) d++;
    return d;
  };
  for (let n = tree.first(); n; n = next(n)) {
    const d = depthOf(n);
    if (d >= keep) continue;
    const hidden = d === keep - 1 ? sizeOf(n.left) + sizeOf(n.right) : 0;
    row.set(n, b.length);
    b.push(n.lo, n.hi, d, n.red ? 1 : 0, -1, hidden);
  }
  const t = b.build();
  // Parents come after all rows exist (a parent may sit later in order than its child).
  let i = 0;
  for (let n = tree.first(); n; n = next(n)) {
    if (!row.has(n)) continue;
    t.cols.parent[i++] = n.parent ? row.get(n.parent)! : -1;
  }
  return { size: tree.size, height, nodes: t };
}
