// The engine as the Web Worker exposes it: a plain object, callable directly in Node tests.
// The page sees trimmed lists (each long list is cut, with its full count kept beside it).

import { compareConfig, type CompareRow } from '../model/engine/compare';
import { VENDOR_CONFIGS } from '../model/mdev/configs';
import { materialize } from '../model/engine/rows';
import { runFile } from '../model/engine/run';
import type { ResultsDoc, RunOptions } from '../model/engine/types';
import { STRATEGIES, trackingMemory, type MemoryCost } from '../model/mdev/tracking/memory';

/** Longest list a step result carries to the page; the CLI prints everything. */
export const PAGE_LIST_LIMIT = 200;

export function createSimApi(progress?: () => void) {
  return {
    /** Runs a case/scenario file (already parsed JSON) and returns the results document. */
    run(doc: unknown, opts: RunOptions = {}): ResultsDoc {
      return materialize(runFile(doc, { ...opts, progress }), PAGE_LIST_LIMIT) as ResultsDoc;
    },
    /** The file under one vendor model (a VENDOR_CONFIGS label): one cost row per case. */
    compareOne(doc: unknown, label: string): { rows: CompareRow[]; error?: string } {
      const cfg = VENDOR_CONFIGS.find((c) => c.label === label);
      if (!cfg) return { rows: [], error: `there is no vendor model "${label}"` };
      return compareConfig(doc, cfg, { progress });
    },
    /**
     * The seed thread's example: one 512 MiB region, every design, with every page pinned and with a sparse
     * working set (1,000 pages spread over the region).
     */
    seedExample(): { pinAll: MemoryCost[]; sparse: MemoryCost[] } {
      const region = { gfn: 0x100000, npages: 131072 };
      const all = Array.from({ length: region.npages }, (_, k) => region.gfn + k);
      const sparse = Array.from({ length: 1000 }, (_, k) => region.gfn + ((k * 7919) % region.npages));
      return {
        pinAll: STRATEGIES.map((s) => trackingMemory(s, [region], all)),
        sparse: STRATEGIES.map((s) => trackingMemory(s, [region], sparse)),
      };
    },
  };
}

export type SimApi = ReturnType<typeof createSimApi>;
