// A red-black tree of non-overlapping ranges ordered by `lo`, with rb_prev / rb_next / rb_first /
// rb_last as in lib/rbtree.c, so that iova.c's walks (which step node by node from a cached node) run
// in the same order and at the same cost as in the kernel.

export interface RbNode {
  lo: number;
  hi: number;
  /** What the node is embedded in (the kernel's container_of): a gvt_dma, a region, a dma address. */
  data: unknown;
  left: RbNode | null;
  right: RbNode | null;
  parent: RbNode | null;
  red: boolean;
}

export function rbNode(lo: number, hi: number, data: unknown = null): RbNode {
  return { lo: small(lo), hi: small(hi), data, left: null, right: null, parent: null, red: true };
}

/** Gives a node that is in no tree a new range, as rbNode would make it (reusing nodes spares the collector). */
export function rekey(n: RbNode, lo: number, hi: number): void {
  n.lo = small(lo);
  n.hi = small(hi);
}

/**
 * A 32-bit integer as a small integer: page numbers read from double arrays or computed by
 * division arrive as heap numbers, and one such key makes V8 box the keys of every node (each
 * comparison of a walk then costs an extra load).
 */
function small(n: number): number {
  return (n | 0) === n ? n | 0 : n;
}

export class RbTree {
  root: RbNode | null = null;
  size = 0;
  /** Nodes the last find() looked at: the lookup cost the vGPU designs are compared on. */
  lastVisits = 0;

  first(): RbNode | null {
    return this.root ? leftmost(this.root) : null;
  }

  last(): RbNode | null {
    let n = this.root;
    while (n?.right) n = n.right;
    return n;
  }

  /** Inserts by `lo`; refuses (returns false) a duplicate key, as iova_insert_rbtree WARNs. */
  insert(node: RbNode): boolean {
    return this.link(node, false);
  }

  /** Inserts by `lo`, an equal key going right, as kvmgt.c's __gvt_cache_add links its nodes. */
  insertEqualRight(node: RbNode): void {
    this.link(node, true);
  }

  private link(node: RbNode, equalRight: boolean): boolean {
    let parent: RbNode | null = null;
    let cur = this.root;
    let left = false;
    while (cur) {
      parent = cur;
      if (node.lo < cur.lo) left = true;
      else if (node.lo > cur.lo || equalRight) left = false;
      else return false;
      cur = left ? cur.left : cur.right;
    }
    node.parent = parent;
    node.left = node.right = null;
    node.red = true;
    if (!parent) this.root = node;
    else if (left) parent.left = node;
    else parent.right = node;
    this.size++;
    this.insertFixup(node);
    return true;
  }

  /** The node whose [lo, hi] contains pfn, without counting the visit (for readers, not the model). */
  peek(pfn: number): RbNode | null {
    let n = this.root;
    while (n && (pfn < n.lo || pfn > n.hi)) n = pfn < n.lo ? n.left : n.right;
    return n;
  }

  /** The node whose [lo, hi] contains pfn (private_find_iova). */
  find(pfn: number): RbNode | null {
    let n = this.root;
    let visits = 0;
    while (n) {
      visits++;
      if (pfn < n.lo) n = n.left;
      else if (pfn > n.hi) n = n.right;
      else break;
    }
    this.lastVisits = visits;
    return n;
  }

  /** The highest node whose lo < pfn (the in-order predecessor of a key pfn). */
  highestBelow(pfn: number): RbNode | null {
    let n = this.root;
    let best: RbNode | null = null;
    while (n) {
      if (n.lo < pfn) {
        best = n;
        n = n.right;
      } else n = n.left;
    }
    return best;
  }

  /** The lowest node whose hi ≥ pfn. */
  lowestEndingAtOrAbove(pfn: number): RbNode | null {
    let n = this.root;
    let best: RbNode | null = null;
    while (n) {
      if (n.hi >= pfn) {
        best = n;
        n = n.left;
      } else n = n.right;
    }
    return best;
  }

  erase(z: RbNode): void {
    let y = z;
    let yWasRed = y.red;
    let x: RbNode | null;
    let xParent: RbNode | null;
    if (!z.left) {
      x = z.right;
      xParent = z.parent;
      this.transplant(z, z.right);
    } else if (!z.right) {
      x = z.left;
      xParent = z.parent;
      this.transplant(z, z.left);
    } else {
      y = leftmost(z.right);
      yWasRed = y.red;
      x = y.right;
      if (y.parent === z) {
        xParent = y;
      } else {
        xParent = y.parent;
        this.transplant(y, y.right);
        y.right = z.right;
        y.right.parent = y;
      }
      this.transplant(z, y);
      y.left = z.left;
      y.left.parent = y;
      y.red = z.red;
    }
    this.size--;
    z.left = z.right = z.parent = null;
    if (!yWasRed) this.eraseFixup(x, xParent);
  }

  *inOrder(): Generator<RbNode> {
    for (let n = this.first(); n; n = next(n)) yield n;
  }

  private transplant(u: RbNode, v: RbNode | null): void {
    if (!u.parent) this.root = v;
    else if (u === u.parent.left) u.parent.left = v;
    else u.parent.right = v;
    if (v) v.parent = u.parent;
  }

  private rotateLeft(x: RbNode): void {
    const y = x.right!;
    x.right = y.left;
    if (y.left) y.left.parent = x;
    this.transplant(x, y);
    y.left = x;
    x.parent = y;
  }

  private rotateRight(x: RbNode): void {
    const y = x.left!;
    x.left = y.right;
    if (y.right) y.right.parent = x;
    this.transplant(x, y);
    y.right = x;
    x.parent = y;
  }

  private insertFixup(z: RbNode): void {
    while (z.parent?.red) {
      const p = z.parent;
      const g = p.parent!;
      if (p === g.left) {
        const u = g.right;
        if (u?.red) {
          p.red = false;
          u.red = false;
          g.red = true;
          z = g;
        } else {
          if (z === p.right) {
            z = p;
            this.rotateLeft(z);
          }
          z.parent!.red = false;
          g.red = true;
          this.rotateRight(g);
        }
      } else {
        const u = g.left;
        if (u?.red) {
          p.red = false;
          u.red = false;
          g.red = true;
          z = g;
        } else {
          if (z === p.left) {
            z = p;
            this.rotateRight(z);
          }
          z.parent!.red = false;
          g.red = true;
          this.rotateLeft(g);
        }
      }
    }
    this.root!.red = false;
  }

  private eraseFixup(x: RbNode | null, parent: RbNode | null): void {
    while (x !== this.root && !x?.red && parent) {
      if (x === parent.left) {
        let w = parent.right!;
        if (w.red) {
          w.red = false;
          parent.red = true;
          this.rotateLeft(parent);
          w = parent.right!;
        }
        if (!w.left?.red && !w.right?.red) {
          w.red = true;
          x = parent;
          parent = x.parent;
        } else {
          if (!w.right?.red) {
            w.left!.red = false;
            w.red = true;
            this.rotateRight(w);
            w = parent.right!;
          }
          w.red = parent.red;
          parent.red = false;
          if (w.right) w.right.red = false;
          this.rotateLeft(parent);
          x = this.root;
          parent = null;
        }
      } else {
        let w = parent.left!;
        if (w.red) {
          w.red = false;
          parent.red = true;
          this.rotateRight(parent);
          w = parent.left!;
        }
        if (!w.left?.red && !w.right?.red) {
          w.red = true;
          x = parent;
          parent = x.parent;
        } else {
          if (!w.left?.red) {
            w.right!.red = false;
            w.red = true;
            this.rotateLeft(w);
            w = parent.left!;
          }
          w.red = parent.red;
          parent.red = false;
          if (w.left) w.left.red = false;
          this.rotateRight(parent);
          x = this.root;
          parent = null;
        }
      }
    }
    if (x) x.red = false;
  }
}

function leftmost(n: RbNode): RbNode {
  while (n.left) n = n.left;
  return n;
}

/** rb_next. */
/**
 * Nodes find() visits for a key that is not in a tree of single-key nodes (lo = hi), given the key's
 * neighbours: the search ends below the deeper of the two.
 */
export function missVisits(pred: RbNode | null, succ: RbNode | null): number {
  return pred || succ ? Math.max(depth(pred), depth(succ)) + 1 : 0;
}

/** Edges from the root (the root is 0); −1 for no node. */
export function depth(n: RbNode | null): number {
  let d = -1;
  for (let m = n; m; m = m.parent) d++;
  return d;
}

export function next(n: RbNode): RbNode | null {
  if (n.right) return leftmost(n.right);
  let c = n;
  let p = n.parent;
  while (p && c === p.right) {
    c = p;
    p = p.parent;
  }
  return p;
}

/** rb_prev. */
export function prev(n: RbNode): RbNode | null {
  if (n.left) {
    let c = n.left;
    while (c.right) c = c.right;
    return c;
  }
  let c = n;
  let p = n.parent;
  while (p && c === p.left) {
    c = p;
    p = p.parent;
  }
  return p;
}
