import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFile } from './check';

const load = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

describe('conformance cases', () => {
  it.each([
    '../../../conformance/examples.json',
    '../../../conformance/more-cases.json',
    '../../../conformance/kvmgt-cases.json',
  ])('%s: every case passes', (path) => {
    const report = checkFile(load(path));
    const failed = report.verdicts
      .filter((v) => !v.passed)
      .map((v) => ({ id: v.id, error: v.error, mismatches: v.mismatches }));
    expect(failed).toEqual([]);
    expect(report.passed).toBeGreaterThan(4);
  });

  const shared = new URL('../../../../shared/conformance/examples.json', import.meta.url);
  it.runIf(existsSync(shared))('the kept copy of the shared examples is up to date', () => {
    expect(load('../../../conformance/examples.json')).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
  });
});
