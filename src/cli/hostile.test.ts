// Untrusted input, as a new user or a hostile file brings it: every kind that once broke the runner (a
// stack trace, a cut document, an out-of-memory abort, a poisoned Object.prototype, minutes of work) gives
// a clear one-line message or a result, exit status 0, 1 or 2, within the work budget and a memory bound.

import { fc, test } from '@fast-check/vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkFile } from '../model/engine/check';
import { compareFile } from '../model/engine/compare';
import { opNames } from '../model/engine/ops';
import { runFile } from '../model/engine/run';
import { buildCliBundle } from '../testing/cli-bundle';

let cli = '';
const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
beforeAll(async () => {
  cli = await buildCliBundle();
}, 60_000);

const SCHEMA = 'vfio-type1-conformance/1';
const RW = ['READ', 'WRITE'];
const ram = (size = '0x40000000') => ({ name: 'RAM', vaddr: '0x7f0000000000', size, first_pfn: '0x100000' });
const gpu = { kind: 'iommu', id: 'gpu0' };
const mdev = { kind: 'emulated', id: 'vgpu0' };
const env = (extra: Record<string, unknown> = {}) => ({
  groups: [gpu],
  process: { rlimit_memlock_bytes: '0x100000000000' },
  memory: [ram()],
  ...extra,
});
const file = (cases: unknown[], environments: Record<string, unknown> = {}) => ({
  schema: SCHEMA,
  environments,
  cases,
});
const step = (op: string, args: Record<string, unknown> = {}) => ({ op, args });

/** A file whose one case expects a final state nested n objects deep (as text: too deep to stringify). */
function deepFile(n: number): string {
  return `{"schema":"${SCHEMA}","cases":[{"id":"deep","steps":[],"final":${'{"a":'.repeat(n)}0${'}'.repeat(n)}}]}`;
}

/** The hand-made kinds, each as file text (or a path to read) and the command-line flags to add. */
const KINDS: Array<{ name: string; text?: string; path?: string; flags?: string[] }> = [
  {
    name: 'six DIRTY_PAGES GET_BITMAP of 256 MiB each',
    text: JSON.stringify(
      file([
        {
          id: 'bitmaps',
          env: env({ memory: [{ ...ram('0x10000000000'), layout: 'hugepages', hugepage: '1G' }], groups: [mdev] }),
          steps: [
            step('MAP_DMA', { flags: RW, vaddr: '0x7f0000000000', iova: '0x0', size: '0x10000000000' }),
            step('DIRTY_PAGES', { flags: ['START'] }),
            ...Array.from({ length: 6 }, () =>
              step('DIRTY_PAGES', {
                flags: ['GET_BITMAP'],
                iova: '0x0',
                size: '0x10000000000',
                bitmap_pgsize: '0x1000',
                bitmap_size: '0x10000000',
              }),
            ),
          ],
        },
      ]),
    ),
  },
  {
    name: 'env_overrides into __proto__, then a case that must keep its own kernel',
    text: JSON.stringify(
      file([
        { id: 'poison', env: env(), env_overrides: { '__proto__.kernel': '4.10' }, steps: [] },
        { id: 'after', env: env(), steps: [step('CHECK_EXTENSION', { ext: 'VFIO_UNMAP_ALL' })] },
      ]),
    ),
  },
  { name: 'a null case', text: JSON.stringify(file([null])) },
  { name: 'an expectation nested 8,000 deep', text: deepFile(8000) },
  { name: 'a budget that is not a number', text: JSON.stringify(file([])), flags: ['--budget', 'abc'] },
  { name: 'a run budget of zero', text: JSON.stringify(file([])), flags: ['--run-budget', '0'] },
  { name: '/dev/zero as the input', path: '/dev/zero' },
  {
    name: 'two cases with one id',
    text: JSON.stringify(
      file([
        { id: 'same', steps: [] },
        { id: 'same', steps: [] },
      ]),
    ),
  },
  {
    name: 'an op named constructor',
    text: JSON.stringify(file([{ id: 'c', env: env(), steps: [step('constructor')] }])),
  },
  {
    name: 'flags named __proto__ and toString',
    text: JSON.stringify(
      file([{ id: 'f', env: env(), steps: [step('MAP_DMA', { flags: ['toString'], vaddr: 0, iova: 0, size: 4096 })] }]),
    ),
  },
  { name: 'an environment named __proto__', text: JSON.stringify(file([{ id: 'e', env: '__proto__', steps: [] }])) },
  {
    name: 'a pgsize_bitmap of 0',
    text: JSON.stringify(
      file([
        {
          id: 'p',
          env: env({ groups: [{ ...gpu, pgsize_bitmap: '0x0' }] }),
          steps: [step('MAP_DMA', { flags: RW, vaddr: '0x7f0000000000', iova: 0, size: 4096 })],
        },
      ]),
    ),
  },
  {
    name: 'a 2^60-byte map, then a vGPU page in it',
    text: JSON.stringify(
      file(
        (['flat-array', 'per-page-tree', 'region-table'] as const).map((strategy) => ({
          id: strategy,
          env: env({ groups: [mdev], vendor: { kind: 'tracking', strategy } }),
          steps: [
            step('MAP_DMA', { flags: RW, vaddr: '0x0', iova: '0x0', size: '0x1000000000000000' }),
            step('VGPU_MAP_GUEST_PAGE', { gfn: '0x1000' }),
          ],
        })),
      ),
    ),
  },
  {
    name: 'flags above 32 bits',
    text: JSON.stringify(
      file([
        {
          id: 'w',
          env: env(),
          steps: [step('MAP_DMA', { flags: 2 ** 32 + 3, vaddr: '0x7f0000000000', iova: 0, size: 4096 })],
        },
      ]),
    ),
  },
  { name: 'a kernel of 6.111…', text: JSON.stringify(file([{ id: 'k', kernel: '6.' + '1'.repeat(400), steps: [] }])) },
  {
    name: 'a kernel flag of 6.111…',
    text: JSON.stringify(file([{ id: 'k', steps: [] }])),
    flags: ['--kernel', '6.' + '1'.repeat(40)],
  },
  {
    name: 'ten 10M-access workloads (under a small run budget)',
    text: JSON.stringify(
      file([
        {
          id: 'w',
          env: env({ groups: [mdev], vendor: { kind: 'kvmgt' } }),
          steps: [
            step('MAP_DMA', { flags: RW, vaddr: '0x7f0000000000', iova: '0x0', size: '0x40000000' }),
            ...Array.from({ length: 10 }, () =>
              step('VGPU_WORKLOAD', { pattern: 'random', ops: 10_000_000, span: 262144 }),
            ),
          ],
        },
      ]),
    ),
    flags: ['--run-budget', '3000000'],
  },
  {
    name: '150,000 steps',
    text: JSON.stringify(
      file([{ id: 's', steps: Array.from({ length: 150_000 }, () => step('CHECK_EXTENSION', { ext: 1 })) }]),
    ),
  },
  { name: '17 MiB of input', text: '[' + '0,'.repeat(9 << 20) + '0]' },
  { name: 'not JSON', text: '{"schema": ' },
  { name: 'an empty file', text: '' },
  { name: 'JSON null', text: 'null' },
  {
    name: 'a script in strings',
    text: JSON.stringify(
      file([
        {
          id: '<script>alert(1)</script>',
          title: '</script><img src=x onerror=alert(1)>',
          steps: [step('<img src=x>')],
        },
      ]),
    ),
  },
  { name: 'a wrong schema', text: JSON.stringify({ schema: 'vfio-type1-conformance/999', cases: [] }) },
  {
    name: 'huge numbers everywhere',
    text: JSON.stringify(
      file([
        {
          id: 'n',
          env: env(),
          steps: [
            step('MAP_DMA', { argsz: 1e308, flags: ['READ'], vaddr: 1e300, iova: -1, size: 0.5 }),
            step('PIN_PAGES', { iova: '0x' + 'f'.repeat(40), npage: '99999999999999999999', prot: ['READ'] }),
          ],
        },
      ]),
    ),
  },
];

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The command as a user runs it, in a Node whose heap is capped: a runaway allocation aborts it (status 134). */
function runCli(args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--max-old-space-size=512', cli, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      if (out.length < 1 << 22) out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
  });
}

const STACK = /^\s+at\s/m;

function expectClear(r: Ran): void {
  expect([0, 1, 2]).toContain(r.code);
  expect(r.stderr).not.toMatch(STACK);
  expect(r.stdout).not.toMatch(STACK);
  // Warnings (unknown keys) come one per line; anything else is one line.
  for (const line of r.stderr.split('\n').filter(Boolean))
    if (!line.startsWith('warning: ') && !line.startsWith('usage') && !line.startsWith('  '))
      expect(line.length).toBeLessThan(2000);
}

describe('hostile input through the command', () => {
  it.each(KINDS)(
    '$name: a clear message or a result from run, check and compare',
    async (kind) => {
      const path = kind.path ?? join(dir, `${kind.name.replace(/\W+/g, '-')}.json`);
      if (kind.text !== undefined) writeFileSync(path, kind.text);
      for (const cmd of ['run', 'check', 'compare']) {
        const r = await runCli([cmd, path, ...(kind.flags ?? [])]);
        expectClear(r);
        if (cmd === 'run' && r.code === 0) {
          const doc = JSON.parse(r.stdout) as { cases: Array<{ error?: string; kernel: string }> };
          for (const c of doc.cases) if (c.error) expect(c.error).not.toMatch(STACK);
        }
      }
    },
    180_000,
  );

  it('a poisoned env_overrides changes nothing for the next case', async () => {
    const kind = KINDS.find((k) => k.name.startsWith('env_overrides'))!;
    const path = join(dir, 'poison.json');
    writeFileSync(path, kind.text!);
    const r = await runCli(['run', path]);
    const doc = JSON.parse(r.stdout) as { cases: Array<{ id: string; kernel: string; error?: string }> };
    expect(doc.cases[0]!.error).toMatch(/__proto__/);
    expect(doc.cases[1]).toMatchObject({ id: 'after', kernel: '6.18' });
    expect(doc.cases[1]!.error).toBeUndefined();
  }, 60_000);

  it('ten 10M-access workloads stop at the run budget with a message that says so', async () => {
    const kind = KINDS.find((k) => k.name.startsWith('ten 10M'))!;
    const path = join(dir, 'workloads.json');
    writeFileSync(path, kind.text!);
    const r = await runCli(['run', path, ...kind.flags!]);
    const doc = JSON.parse(r.stdout) as { cases: Array<{ error?: string }> };
    expect(doc.cases[0]!.error).toMatch(/the run needs more than 3,000,000 units of work in all/);
  }, 60_000);
});

// ---- generated documents, run in this process (no file, no child) ----

const value = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: 0n, max: 1n << 70n }).map((b) => '0x' + b.toString(16)),
  fc.constantFrom('0x0', '0x1000', '0x7f0000000000', '-1', '', 'READ', '__proto__', 'constructor', '6.18', '2M'),
  fc.string({ maxLength: 12 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom('READ', 'WRITE', 'VADDR', 'ALL', 'START', 'GET_BITMAP', 'bogus'), { maxLength: 3 }),
);
const args = fc.dictionary(
  fc.constantFrom(
    'flags',
    'vaddr',
    'iova',
    'size',
    'argsz',
    'npage',
    'prot',
    'gfn',
    'pfn',
    'limit_pfn',
    'user_pfn',
    'ops',
    'span',
    'pattern',
    'group',
    'id',
    'ext',
    'bitmap_size',
    'bitmap_pgsize',
    'dma_addr',
    'page_size',
    'x',
  ),
  value,
  { maxKeys: 6 },
);
const generatedEnv = fc.record(
  {
    kernel: fc.constantFrom('4.10', '5.4', '5.15', '6.2', '6.18', '9.9', 'x'),
    groups: fc.array(fc.oneof(fc.constant(gpu), fc.constant(mdev), fc.record({ kind: value, id: value })), {
      maxLength: 2,
    }),
    memory: fc.array(
      fc.record({
        vaddr: value,
        size: fc.constantFrom('0x1000', '0x200000', '0x40000000', '0x0', 'big'),
        layout: fc.constantFrom('contiguous', 'stride', 'hugepages', 'fragmented', 'x'),
        hugepage: fc.constantFrom('2M', '1G'),
      }),
      { maxLength: 2 },
    ),
    vendor: fc.oneof(
      fc.constant(undefined),
      fc.constant({ kind: 'kvmgt' }),
      fc.record({
        kind: fc.constant('tracking'),
        strategy: fc.constantFrom('flat-array', 'per-page-tree', 'iova-range', 'x'),
      }),
    ),
    iovad: fc.oneof(fc.constant(undefined), fc.record({ granule: value, start_pfn: value })),
  },
  { requiredKeys: [] },
);
const generatedFile = fc.record({
  schema: fc.oneof({ weight: 9, arbitrary: fc.constant(SCHEMA) }, fc.constant('x')),
  cases: fc.array(
    fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record({
          id: fc.string({ maxLength: 4 }),
          env: generatedEnv,
          steps: fc.array(
            fc.record({ op: fc.oneof(fc.constantFrom(...opNames()), fc.string({ maxLength: 6 })), args }),
            { maxLength: 6 },
          ),
          final: fc.option(fc.dictionary(fc.string(), value)),
        }),
      },
      fc.constant(null),
      value,
    ),
    { maxLength: 3 },
  ),
});

describe('generated hostile documents, in process', () => {
  const oneLine = (s: string | undefined) => {
    if (s !== undefined) expect(s).not.toMatch(STACK);
  };
  test.prop([generatedFile], { numRuns: 150 })('run and check never throw; every message is a message', (doc) => {
    const r = runFile(doc);
    oneLine(r.error);
    for (const c of r.cases) oneLine(c.error);
    const report = checkFile(doc);
    oneLine(report.error);
    for (const v of report.verdicts) oneLine(v.error);
    // Nothing leaked into the prototype every object shares.
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
  test.prop([generatedFile], { numRuns: 25 })('compare never throws', (doc) => {
    const r = compareFile(doc);
    oneLine(r.error);
    for (const row of r.rows) oneLine(row.error ?? undefined);
  });
});
