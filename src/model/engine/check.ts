// `check`: run a case file and judge every case by case-format.md §4.

import { Judge, type Mismatch } from './judge';
import { runFile } from './run';
import type { ResultsDoc, RunOptions } from './types';

export interface Verdict {
  id: string;
  kernel: string;
  passed: boolean;
  error?: string;
  mismatches: Mismatch[];
}

export interface CheckReport {
  results: ResultsDoc;
  verdicts: Verdict[];
  passed: number;
  failed: number;
}

interface CaseExpectations {
  id?: unknown;
  steps?: Array<{ expect?: unknown }>;
  final?: unknown;
}

export function checkFile(doc: unknown, opts: RunOptions = {}): CheckReport {
  const results = runFile(doc, opts);
  const rawCases = ((doc as { cases?: unknown[] } | null)?.cases ?? []) as CaseExpectations[];
  const verdicts: Verdict[] = results.cases.map((r) => {
    const c = rawCases.find((x) => x.id === r.id) ?? {};
    const judge = new Judge();
    if (!r.error) {
      (c.steps ?? []).forEach((s, i) => {
        if (s.expect !== undefined) judge.compare(`steps[${i}]`, s.expect, r.steps[i]);
      });
      if (c.final !== undefined) judge.compare('final', c.final, r.final);
    }
    return {
      id: r.id,
      kernel: r.kernel,
      passed: !r.error && judge.mismatches.length === 0,
      ...(r.error ? { error: r.error } : {}),
      mismatches: judge.mismatches,
    };
  });
  const passed = verdicts.filter((v) => v.passed).length;
  return { results, verdicts, passed, failed: verdicts.length - passed };
}
