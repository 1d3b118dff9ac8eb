import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeJson } from './json-out';

describe('writeJson', () => {
  it('writes the same text as JSON.stringify(v, null, 2)', () => {
    const v = { a: [1, { b: 'x', c: [], d: {} }, null], e: undefined, f: 'q"uote', g: [[1, 2], []], h: true };
    const path = join(mkdtempSync(join(tmpdir(), 'json-out-')), 'out.json');
    const fd = openSync(path, 'w');
    writeJson(fd, v);
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(v, null, 2) + '\n');
  });
});
