import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { depth, next, RbTree, rbNode, type RbNode } from '../../model/lib/rbtree';
import { treeShape } from '../../model/inspect/tree';
import { LEVEL_H, MAX_DRAWN, NODE_R, NODE_W, layoutTree, nodeAt } from './tree-layout';

const size = (n: RbNode | null): number => (n ? 1 + size(n.left) + size(n.right) : 0);

test.prop([fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 1500, size: 'max' })], { numRuns: 40 })(
  'whole top levels within MAX_DRAWN, in key order, under their parents, with the nodes below the cut counted',
  (keys) => {
    const t = new RbTree();
    for (const k of keys) t.insert(rbNode(k * 4, k * 4 + 3));
    const l = layoutTree(treeShape(t));
    // The tree read node by node: every node in order with its depth.
    const all: RbNode[] = [];
    for (let n = t.first(); n; n = next(n)) all.push(n);
    const height = Math.max(0, ...all.map((n) => depth(n) + 1));
    let levels = 0;
    for (let d = 0, count = 0; d < height; d++) {
      count += all.filter((n) => depth(n) === d).length;
      if (count > MAX_DRAWN) break;
      levels = d + 1;
    }
    const drawn = all.filter((n) => depth(n) < levels);
    expect(l.levels).toBe(levels);
    expect(l.rows.length).toBe(drawn.length);
    expect(l.rootCol).toBe(drawn.findIndex((n) => n.parent === null));
    const shape = treeShape(t).nodes.cols;
    expect(l.rows.map((r) => shape.lo[r])).toEqual(drawn.map((n) => n.lo));
    expect(l.x).toEqual(drawn.map((_, k) => 10 + NODE_W / 2 + k * NODE_W));
    expect(l.y).toEqual(drawn.map((n) => 14 + depth(n) * LEVEL_H));
    expect(l.parentCol).toEqual(drawn.map((n) => (n.parent ? drawn.indexOf(n.parent) : -1)));
    expect(l.below).toEqual(drawn.map((n) => (depth(n) === levels - 1 ? size(n.left) + size(n.right) : 0)));
    // Each node is found at its centre and at its rim, and not between it and its neighbours.
    const found = (dx: number, dy: number) => l.rows.map((_, k) => nodeAt(l, l.x[k]! + dx, l.y[k]! + dy));
    expect(found(0, 0)).toEqual(l.rows.map((_, k) => k));
    expect(found(NODE_R, 0)).toEqual(l.rows.map((_, k) => k));
    expect(found(NODE_W / 2, 0)).toEqual(l.rows.map(() => -1));
    expect(found(0, LEVEL_H / 2)).toEqual(l.rows.map(() => -1));
    expect(l.width).toBe(Math.max(1, drawn.length) * NODE_W + 20);
    expect(l.height).toBe(levels * LEVEL_H + 26);
  },
);
