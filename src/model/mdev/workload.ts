// Guest-page workloads a vGPU puts on its vendor driver, deterministic by seed: which guest page the GPU
// touches next, and which resident page it lets go of. No kernel analogue: this is the device's side.

import { mulberry32 } from '../host/prng';

export type Pattern = 'sequential' | 'random' | 'hot-cold' | 'gtt-churn';

export interface WorkloadSpec {
  pattern: Pattern;
  /** Accesses to generate. */
  ops: number;
  /** Guest pages (4 KiB) the GPU may touch: [fromGfn, fromGfn + span). */
  fromGfn: number;
  span: number;
  /** What one access maps: a 4 KiB page, or a 2 MiB page (512 pages, 2 MiB aligned in gpa). */
  pageSize: '4K' | '2M';
  /** Mappings (of pageSize) kept at once; the oldest is unmapped when a new one would exceed it. */
  resident: number;
  /** An access to a resident page maps it again (a second shadow PTE: KVMGT takes another kref). */
  remapResident?: boolean;
  seed: number;
  /** Stop before the maps plus unmaps done would exceed this (the benchmark's "1,000,000 operations"). */
  maxOperations?: number;
}

/** The next guest page for each access: sequential wraps over the span; hot-cold sends 90% to the first tenth. */
export function accessStream(w: WorkloadSpec): () => number {
  const r = mulberry32(w.seed);
  let i = 0;
  const hot = Math.max(1, Math.floor(w.span / 10));
  return () => {
    const k = i++;
    switch (w.pattern) {
      case 'sequential':
        return w.fromGfn + (k % w.span);
      case 'random':
        return w.fromGfn + (r() % w.span);
      case 'hot-cold':
        return w.fromGfn + (w.span === hot || r() % 10 < 9 ? r() % hot : hot + (r() % (w.span - hot)));
      case 'gtt-churn':
        // A driver rewriting GTT entries: short bursts of consecutive pages at random places.
        return w.fromGfn + ((Math.floor(k / 16) * 7919 + (r() % 4) * 16 + (k % 16)) % w.span);
    }
  };
}
