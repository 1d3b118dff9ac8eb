import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { depth, next, RbTree, rbNode, type RbNode } from '../lib/rbtree';
import { MAX_TREE_NODES, treeShape } from './tree';

const size = (n: RbNode | null): number => (n ? 1 + size(n.left) + size(n.right) : 0);

/** The shape read the slow way: every node in order, its depth by walking up, parents looked up by node. */
function naiveShape(t: RbTree) {
  const all: RbNode[] = [];
  for (let n = t.first(); n; n = next(n)) all.push(n);
  const height = Math.max(0, ...all.map((n) => depth(n) + 1));
  const perLevel = Array.from({ length: height }, (_, d) => all.filter((n) => depth(n) === d).length);
  let keep = height;
  let count = 0;
  for (let d = 0; d < height; d++) {
    count += perLevel[d]!;
    if (count > MAX_TREE_NODES) {
      keep = d;
      break;
    }
  }
  const kept = all.filter((n) => depth(n) < keep);
  return {
    size: all.length,
    height,
    rows: kept.map((n) => ({
      lo: n.lo,
      hi: n.hi,
      depth: depth(n),
      red: n.red ? 1 : 0,
      parent: n.parent ? kept.indexOf(n.parent) : -1,
      hidden: depth(n) === keep - 1 ? size(n.left) + size(n.right) : 0,
    })),
  };
}

describe('treeShape against a node-by-node reading', () => {
  test.prop(
    [
      fc.array(
        fc.tuple(
          fc.nat(3).map((k) => k > 0),
          fc.integer({ min: 0, max: 3000 }),
        ),
        // Arrays of thousands of ops: trees well past MAX_TREE_NODES, so the cut and the hidden counts are read.
        { maxLength: 4000, size: 'max' },
      ),
    ],
    {
      numRuns: 40,
    },
  )('in order, depth, colour, parent and the nodes hidden below the cut', (ops) => {
    const t = new RbTree();
    const nodes = new Map<number, RbNode>();
    for (const [insert, key] of ops) {
      if (insert && !nodes.has(key)) {
        const n = rbNode(key * 8, key * 8 + 7);
        t.insert(n);
        nodes.set(key, n);
      } else if (!insert && nodes.has(key)) {
        t.erase(nodes.get(key)!);
        nodes.delete(key);
      }
    }
    const want = naiveShape(t);
    const got = treeShape(t);
    expect(got.size).toBe(want.size);
    expect(got.height).toBe(want.height);
    const c = got.nodes.cols;
    const rows = Array.from({ length: got.nodes.length }, (_, i) => ({
      lo: c.lo[i],
      hi: c.hi[i],
      depth: c.depth[i],
      red: c.red[i],
      parent: c.parent[i],
      hidden: c.hidden[i],
    }));
    expect(rows).toEqual(want.rows);
  });
});
