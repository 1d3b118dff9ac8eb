// Deterministic host-memory placement for the "hugepages" and "fragmented" layouts (case-format.md §1):
// mulberry32 and a forward Fisher–Yates shuffle. No kernel analogue: real hosts place huge pages
// wherever the buddy allocator had them; this reproduces that scatter from a seed.

import type { WorkBudget } from '../budget';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** P, a permutation of [0, n): unit k of a region sits in slot P[k]. */
export function shuffledSlots(n: number, seed: number, budget: WorkBudget): Uint32Array {
  budget.spend(n, `placing ${n.toLocaleString('en-US')} host memory units`);
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const r = mulberry32(seed);
  for (let i = 0; i < n - 1; i++) {
    const j = i + (r() % (n - i));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
