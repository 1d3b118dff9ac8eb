import { fc, test } from '@fast-check/vitest';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RowList, materialize, valueList } from '../model/engine/rows';
import { runFile } from '../model/engine/run';
import { JsonWriter } from './json-writer';
import { streamResults } from './results-stream';

/** What the writer produces, through a buffer small enough to flush often. */
function written(f: (w: JsonWriter) => void, compact = false, size = 4096): string {
  const parts: Buffer[] = [];
  const w = new JsonWriter((buf, len) => parts.push(Buffer.from(buf.subarray(0, len))), compact, size);
  f(w);
  w.flush();
  return Buffer.concat(parts).toString('utf8');
}

const rowList = fc
  .array(
    fc.record({
      page: fc.oneof(fc.nat(), fc.constant(0), fc.integer({ min: 2 ** 41, max: 2 ** 52 - 1 })),
      hex: fc.oneof(fc.nat(), fc.integer({ min: 2 ** 32, max: 2 ** 53 - 1 })),
      word: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
      int: fc.oneof(fc.nat(), fc.integer({ min: 2 ** 31, max: 2 ** 40 })),
      bool: fc.constantFrom(0, 1),
      str: fc.string(),
    }),
    { maxLength: 30 },
  )
  .map((rows) => {
    const keys = ['page', 'hex', 'word', 'int', 'bool', 'str'] as const;
    return new RowList(
      keys.map((k) => ({ key: k, kind: k === 'page' ? 'page' : k })),
      rows.length,
      (i, c) => rows[i]![keys[c]!],
    );
  });

describe('JsonWriter', () => {
  test.prop([fc.jsonValue(), fc.boolean()])('writes what JSON.stringify writes', (v, compact) => {
    expect(written((w) => w.document(v), compact)).toBe(
      (compact ? JSON.stringify(v) : JSON.stringify(v, null, 2)) + '\n',
    );
  });

  test.prop([
    fc.dictionary(fc.string(), fc.oneof(fc.constant(undefined), fc.integer(), fc.constant(NaN), fc.string())),
  ])('skips undefined members and writes non-finite numbers as null, as JSON.stringify does', (v) => {
    expect(written((w) => w.document(v))).toBe(JSON.stringify(v, null, 2) + '\n');
  });

  test.prop([rowList, fc.boolean(), fc.integer({ min: 2, max: 6 })])(
    'streams a row list as the rows it stands for, at any depth',
    (list, compact, depth) => {
      let doc: unknown = { rows: list, n: list.length };
      for (let i = 0; i < depth; i++) doc = [doc, { x: doc }];
      const plain = materialize(doc);
      const expected = compact ? JSON.stringify(plain) : JSON.stringify(plain, null, 2);
      expect(written((w) => w.document(doc), compact)).toBe(expected + '\n');
    },
  );

  it('writes a list of bitmap words and exact bigints', () => {
    const words = new BigUint64Array([0n, 1n, (1n << 64n) - 1n, 0xdeadbeefn << 20n]);
    const doc = { bitmap_u64: valueList('word', words.length, (i) => words[i]!), locked_vm_pages: (1n << 64n) - 3n };
    expect(written((w) => w.document(doc))).toBe(
      JSON.stringify(
        { bitmap_u64: ['0x0', '0x1', '0xffffffffffffffff', '0xdeadbeef00000'], locked_vm_pages: 0 },
        null,
        2,
      ).replace('"locked_vm_pages": 0', '"locked_vm_pages": 18446744073709551613') + '\n',
    );
  });
});

const load = (path: string): unknown => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8'));
const presets = (load('../../public/scenarios/index.json') as { presets: Array<{ file: string }> }).presets
  .map((p) => `../../public/scenarios/${p.file}`)
  // The 1 TiB preset is too large for one string; the CLI test compares its streamed bytes by hash.
  .filter((f) => !f.includes('tib-hugepages'));
const files = [
  '../../conformance/examples.json',
  '../../conformance/more-cases.json',
  '../../conformance/kvmgt-cases.json',
  '../../conformance/review-cases.json',
  ...presets,
];

describe('the streamed results document', () => {
  it.each(files)('%s: the same bytes as JSON.stringify of the collected results, pretty and compact', (file) => {
    const doc = load(file);
    const expected = materialize(runFile(doc));
    expect(written((w) => streamResults(doc, {}, w), false, 1 << 20)).toBe(JSON.stringify(expected, null, 2) + '\n');
    expect(written((w) => streamResults(doc, {}, w), true, 1 << 20)).toBe(JSON.stringify(expected) + '\n');
  });

  it('a refused file reads {schema, error, cases}', () => {
    const doc = { schema: 'something/else', cases: [] };
    expect(JSON.parse(written((w) => streamResults(doc, {}, w)))).toEqual(runFile(doc));
  });
});
