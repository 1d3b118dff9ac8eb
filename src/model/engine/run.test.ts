import { describe, expect, it } from 'vitest';
import { Judge } from './judge';
import { runFile } from './run';

const env = {
  groups: [{ kind: 'iommu', levels: 4, gaw_bits: 48, superpage_support: 2 }],
  process: { rlimit_memlock_bytes: '0x10000000000000' },
  memory: [
    {
      name: 'R0',
      vaddr: '0x7f0000000000',
      size: '0x40000000',
      backing: 'ram',
      layout: 'contiguous',
      first_pfn: '0x100000',
    },
  ],
};
const file = (cases: unknown[], environments: Record<string, unknown> = { e: env }) => ({
  schema: 'vfio-type1-conformance/1',
  environments,
  cases,
});
const map = (size: string) => ({
  op: 'MAP_DMA',
  args: { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0x0', size },
});

describe('runFile', () => {
  it('gives a case with bad input an error and runs the others', () => {
    const r = runFile(
      file([
        { id: 'bad-op', env: 'e', steps: [{ op: 'MAP_DAM', args: {} }] },
        {
          id: 'bad-number',
          env: 'e',
          steps: [{ op: 'MAP_DMA', args: { flags: ['READ'], vaddr: 'zero', iova: 0, size: 4096 } }],
        },
        { id: 'good', env: 'e', steps: [map('0x1000')] },
      ]),
    );
    expect(r.cases.map((c) => [c.id, c.error ?? null, c.steps.length])).toEqual([
      ['bad-op', 'steps[0]: unknown op "MAP_DAM"', 0],
      ['bad-number', expect.stringContaining('not a u64'), 0],
      ['good', null, 1],
    ]);
    expect(r.cases[2]!.steps[0]!.ret).toBe(0);
  });

  it('refuses a file of another schema with a document-level error', () => {
    const r = runFile({ schema: 'something/else', cases: [] });
    expect(r.error).toMatch(/not a "vfio-type1-conformance\/1" file/);
    expect(r.cases).toEqual([]);
  });

  it('stops a step that exceeds the work budget with a clear message, keeping the state before it', () => {
    const fragmented = { ...env, memory: [{ ...env.memory[0], layout: 'fragmented', seed: 1 }] };
    const r = runFile(
      file(
        [
          {
            id: 'big',
            env: 'f',
            steps: [map('0x1000'), { ...map('0x40000000'), args: { ...map('0x40000000').args, iova: '0x100000000' } }],
          },
        ],
        { f: fragmented },
      ),
      {
        stepBudget: 300_000,
      },
    );
    const c = r.cases[0]!;
    expect(c.steps[0]!.ret).toBe(0);
    expect(c.steps[1]!.sim_error).toMatch(/work budget exceeded/);
    expect(c.error).toMatch(/steps\[1\]/);
    expect(c.final.locked_vm_pages).toBe(1);
  });

  it('resolves $ref to an earlier output', () => {
    const r = runFile(
      file([
        {
          id: 'ref',
          env: 'e',
          steps: [
            { op: 'ENCODE', args: { phys: '0x100000000' } },
            { op: 'ENCODE', args: { kind: 'non-leaf', table_phys: { $ref: 'steps[0].value' } } },
          ],
        },
      ]),
    );
    expect(r.cases[0]!.steps[1]!.value).toBe('0x100000003');
  });
});

describe('Judge (case-format §4)', () => {
  it('compares numbers by value, binds placeholders, skips prose and extra keys', () => {
    const j = new Judge();
    j.compare(
      'a',
      { n: '0x10', p: 'D1', q: 'D1', note: 'x', detail: 'anything at all' },
      { n: 16, p: '0x5', q: '0x5', extra: 1 },
    );
    expect(j.mismatches).toEqual([]);
    j.compare('b', { p: 'D1' }, { p: '0x6' });
    expect(j.mismatches.map((m) => m.path)).toEqual(['b.p']);
  });

  it('null matches null, absent or empty; arrays need equal length', () => {
    const j = new Judge();
    j.compare('a', { x: null, y: null, z: null }, { y: [], z: {} });
    j.compare('b', [1, 2], [1]);
    expect(j.mismatches.map((m) => m.path)).toEqual(['b']);
  });
});
