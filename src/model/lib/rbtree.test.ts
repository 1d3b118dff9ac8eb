import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { depth, missVisits, next, prev, RbTree, rbNode, type RbNode } from './rbtree';

/** Red-black properties: root black, no red node with a red child, equal black height on every path. */
function blackHeight(n: RbNode | null): number {
  if (!n) return 1;
  if (n.red) expect(n.left?.red || n.right?.red).toBeFalsy();
  if (n.left) expect(n.left.parent).toBe(n);
  if (n.right) expect(n.right.parent).toBe(n);
  const l = blackHeight(n.left);
  expect(blackHeight(n.right)).toBe(l);
  return l + (n.red ? 0 : 1);
}

describe('RbTree against a sorted array', () => {
  test.prop([fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 200 })), { maxLength: 300 })])(
    'inserts, erases, order, find, prev/next',
    (ops) => {
      const t = new RbTree();
      const ref = new Map<number, RbNode>();
      for (const [insert, key] of ops) {
        const lo = key * 4;
        if (insert) {
          const n = rbNode(lo, lo + 2);
          expect(t.insert(n)).toBe(!ref.has(lo));
          if (!ref.has(lo)) ref.set(lo, n);
        } else if (ref.has(lo)) {
          t.erase(ref.get(lo)!);
          ref.delete(lo);
        }
        expect(t.root?.red ?? false).toBe(false);
        blackHeight(t.root);
      }
      const keys = [...ref.keys()].sort((a, b) => a - b);
      expect([...t.inOrder()].map((n) => n.lo)).toEqual(keys);
      expect(t.size).toBe(keys.length);
      keys.forEach((k, i) => {
        const n = t.find(k + 1)!;
        expect(n.lo).toBe(k);
        expect(next(n)?.lo ?? null).toBe(keys[i + 1] ?? null);
        expect(prev(n)?.lo ?? null).toBe(keys[i - 1] ?? null);
        expect(t.find(k + 3)).toBeNull();
      });
    },
  );

  test.prop([fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 8 }), fc.nat()), { maxLength: 200 })])(
    'equal keys go right and all stay: in-order walk is stable, erase removes exactly the node given',
    (ops) => {
      const t = new RbTree();
      const live: RbNode[] = [];
      let seq = 0;
      for (const [insert, key, pick] of ops) {
        if (insert || live.length === 0) {
          const n = rbNode(key, key, seq++);
          t.insertEqualRight(n);
          live.push(n);
        } else {
          const [n] = live.splice(pick % live.length, 1);
          t.erase(n!);
        }
        blackHeight(t.root);
        // Equal keys keep insertion order (each goes right of the ones before it).
        const want = [...live].sort((a, b) => a.lo - b.lo || (a.data as number) - (b.data as number));
        expect([...t.inOrder()]).toEqual(want);
        expect(t.size).toBe(live.length);
      }
    },
  );
});

describe('the cost of a search', () => {
  test.prop([fc.uniqueArray(fc.integer({ min: 0, max: 300 }), { maxLength: 80 }), fc.integer({ min: -5, max: 310 })])(
    'find() visits depth + 1 nodes for a key in the tree, missVisits(pred, succ) for one that is not',
    (keys, k) => {
      const t = new RbTree();
      const nodes = new Map<number, RbNode>();
      for (const key of keys) {
        const n = rbNode(key, key);
        t.insert(n);
        nodes.set(key, n);
      }
      t.find(k);
      const n = nodes.get(k);
      const pred = t.highestBelow(k);
      expect(t.lastVisits).toBe(n ? depth(n) + 1 : missVisits(pred, pred ? next(pred) : t.first()));
    },
  );
});
