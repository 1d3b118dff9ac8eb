// How a case is judged (case-format.md §4): subset match of expect/final against the results, numbers
// by value, placeholders bound on first use, commentary never compared.

import { RowList } from './rows';

const COMMENTARY = new Set([
  'detail',
  'note',
  'notes',
  'title',
  'source',
  'kernels',
  'variants',
  'setup',
  'rule',
  'description',
  'derived',
  'caption',
  'pause',
]);
const PLACEHOLDER = /^[A-Z][0-9]+$/;
const ERRNO = /^-E[A-Z0-9]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;

export interface Mismatch {
  path: string;
  expected: unknown;
  actual: unknown;
}

function isProse(v: unknown): boolean {
  return (
    typeof v === 'string' &&
    !HEX.test(v) &&
    !ERRNO.test(v) &&
    !PLACEHOLDER.test(v) &&
    v !== 'KERNEL_BUG' &&
    v !== 'anchor' &&
    !/^-?[0-9]+$/.test(v) &&
    // Short kernel words (size names, op names, flag names) are values, not prose.
    /\s/.test(v)
  );
}

function numeric(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && (HEX.test(v) || /^-?[0-9]+$/.test(v))) return BigInt(v);
  return null;
}

function isEmpty(v: unknown): boolean {
  return (
    v === null ||
    (v instanceof RowList && v.length === 0) ||
    v === undefined ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
  );
}

export class Judge {
  readonly bindings = new Map<string, unknown>();
  readonly mismatches: Mismatch[] = [];

  compare(path: string, expected: unknown, actual: unknown): void {
    if (isProse(expected)) return;
    // A long list is compared row by row; a list of the wrong length is reported without its rows.
    if (actual instanceof RowList) {
      if (!Array.isArray(expected) || expected.length !== actual.length) {
        if (expected !== null || actual.length > 0)
          this.mismatches.push({ path, expected, actual: `a list of ${actual.length} entries` });
        return;
      }
      expected.forEach((e, i) => this.compare(`${path}[${i}]`, e, actual.row(i)));
      return;
    }
    if (expected === null) {
      if (!isEmpty(actual)) this.mismatches.push({ path, expected, actual });
      return;
    }
    if (typeof expected === 'string' && PLACEHOLDER.test(expected)) {
      if (!this.bindings.has(expected)) {
        if (actual === undefined || actual === null) this.mismatches.push({ path, expected, actual });
        else this.bindings.set(expected, actual);
        return;
      }
      this.compare(path, this.bindings.get(expected), actual);
      return;
    }
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual) || actual.length !== expected.length) {
        this.mismatches.push({ path, expected, actual });
        return;
      }
      expected.forEach((e, i) => this.compare(`${path}[${i}]`, e, actual[i]));
      return;
    }
    if (typeof expected === 'object') {
      if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
        this.mismatches.push({ path, expected, actual });
        return;
      }
      for (const [k, e] of Object.entries(expected as Record<string, unknown>)) {
        if (COMMENTARY.has(k)) continue;
        this.compare(`${path}.${k}`, e, (actual as Record<string, unknown>)[k]);
      }
      return;
    }
    const en = numeric(expected);
    const an = numeric(actual);
    if (en !== null && an !== null && typeof expected !== 'boolean') {
      if (en !== an) this.mismatches.push({ path, expected, actual });
      return;
    }
    if (expected !== actual) this.mismatches.push({ path, expected, actual });
  }
}
