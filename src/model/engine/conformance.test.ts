import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFile } from './check';

const load = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

describe('conformance cases', () => {
  it.each([
    '../../../conformance/examples.json',
    '../../../conformance/more-cases.json',
    '../../../conformance/kvmgt-cases.json',
    '../../../conformance/review-cases.json',
  ])('%s: every case passes', (path) => {
    const report = checkFile(load(path));
    const failed = report.verdicts
      .filter((v) => !v.passed)
      .map((v) => ({ id: v.id, error: v.error, mismatches: v.mismatches }));
    expect(failed).toEqual([]);
    expect(report.passed).toBeGreaterThanOrEqual(4);
  });

  // In a clone next to the project's shared folder the copy must equal the original; alone (CI, a
  // fresh clone elsewhere) it must at least be a complete examples file.
  it('the kept copy of the shared examples is the shared file', () => {
    const copy = load('../../../conformance/examples.json') as { schema: string; cases: Array<{ id: string }> };
    const shared = new URL('../../../../shared/conformance/examples.json', import.meta.url);
    if (existsSync(shared)) expect(copy).toEqual(JSON.parse(readFileSync(shared, 'utf8')));
    expect(copy.schema).toBe('vfio-type1-conformance/1');
    expect(copy.cases.map((c) => c.id)).toContain('KVMGT-01');
  });
});
