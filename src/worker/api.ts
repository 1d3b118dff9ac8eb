// The engine as the Web Worker exposes it: a plain object, callable directly in Node tests.
// The page sees trimmed lists (each long list is cut, with its full count kept beside it).

import { listLimit } from '../model/engine/outputs';
import { runFile } from '../model/engine/run';
import type { ResultsDoc, RunOptions } from '../model/engine/types';

/** Longest list a step result carries to the page; the CLI prints everything. */
export const PAGE_LIST_LIMIT = 200;

export function createSimApi() {
  return {
    /** Runs a case/scenario file (already parsed JSON) and returns the results document. */
    run(doc: unknown, opts: RunOptions = {}): ResultsDoc {
      listLimit.value = PAGE_LIST_LIMIT;
      return runFile(doc, opts);
    },
  };
}

export type SimApi = ReturnType<typeof createSimApi>;
