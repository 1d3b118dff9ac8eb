// `check`: run a case file and judge every case by case-format.md §4, step by step as the results
// arrive, so that judging a 1 TiB case holds no more than running it.

import { Judge, type Mismatch } from './judge';
import { runFileTo } from './run';
import type { RunOptions, StepResult } from './types';

export interface Verdict {
  id: string;
  kernel: string;
  passed: boolean;
  error?: string;
  mismatches: Mismatch[];
}

export interface CheckReport {
  /** Only when the file itself could not be run. */
  error?: string;
  warnings: string[];
  verdicts: Verdict[];
  passed: number;
  failed: number;
}

interface CaseExpectations {
  steps?: Array<{ expect?: unknown } | null>;
  final?: unknown;
}

export function checkFile(doc: unknown, opts: RunOptions = {}): CheckReport {
  const report: CheckReport = { warnings: [], verdicts: [], passed: 0, failed: 0 };
  const rawCases: unknown[] = Array.isArray((doc as { cases?: unknown } | null)?.cases)
    ? (doc as { cases: unknown[] }).cases
    : [];
  // Case ids are unique (the runner refuses a file where they are not).
  const expectations = new Map<unknown, CaseExpectations>();
  for (const c of rawCases) if (c && typeof c === 'object') expectations.set((c as { id?: unknown }).id, c);
  let verdict: Verdict | null = null;
  let judge = new Judge();
  let expected: CaseExpectations = {};
  let index = 0;
  runFileTo(doc, opts, {
    fileError(error) {
      report.error = error;
    },
    beginCase(id, kernel) {
      verdict = { id, kernel, passed: false, mismatches: [] };
      judge = new Judge();
      expected = expectations.get(id) ?? {};
      index = 0;
    },
    step(s: StepResult) {
      const e = Array.isArray(expected.steps) ? expected.steps[index]?.expect : undefined;
      if (e !== undefined) judge.compare(`steps[${index}]`, e, s);
      index++;
    },
    endCase(final, error) {
      const v = verdict!;
      if (error !== undefined) v.error = error;
      else if (expected.final !== undefined) judge.compare('final', expected.final, final);
      v.mismatches = error !== undefined ? [] : judge.mismatches;
      v.passed = error === undefined && v.mismatches.length === 0;
      report.verdicts.push(v);
    },
    end(warnings) {
      report.warnings = warnings;
    },
  });
  report.passed = report.verdicts.filter((v) => v.passed).length;
  report.failed = report.verdicts.length - report.passed;
  return report;
}
