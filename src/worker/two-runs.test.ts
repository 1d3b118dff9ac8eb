import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VENDOR_CONFIGS } from '../model/mdev/configs';
import { runTwo } from './two-runs';

const preset = (f: string) =>
  JSON.parse(readFileSync(`public/scenarios/${f}`, 'utf8')) as {
    cases: Array<{ id: string; steps: unknown[] }>;
  };

describe('two runs of one case, step by step', () => {
  it('marks the step whose errno changed between profiles, and says why under each', () => {
    const doc = preset('vtd-basics.json');
    // A MAP_DMA whose iova + size wraps: -EINVAL before 6.18, -EOVERFLOW from 6.18.
    doc.cases[0]!.steps.push({
      op: 'MAP_DMA',
      args: { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0xfffffffffffff000', size: '0x2000' },
    });
    const r = runTwo(doc, 'vtd-basics', { kernel: '6.15', vendor: null }, { kernel: '6.18', vendor: null });
    expect(r.error).toBeNull();
    expect(r.kernels).toEqual(['6.15', '6.18']);
    expect(r.total).toBe(4);
    const last = r.steps[3]!;
    expect(last.a.ret).toBe('-EINVAL');
    expect(last.b.ret).toBe('-EOVERFLOW');
    expect(last.differs).toEqual(expect.arrayContaining(['ret', 'reason']));
    expect(last.a.narration).toContain('-EINVAL (Invalid argument)');
    expect(last.b.narration).toContain('-EOVERFLOW (Value too large for defined data type)');
    expect(last.b.reason).toBeTruthy();
    // The three steps before it do the same under both.
    expect(r.steps.slice(0, 3).map((s) => s.differs)).toEqual([[], [], []]);
    expect(r.differing).toBe(1);
  });

  it('shows what a 4.10 kernel reports differently (no map_pages_calls before 5.15)', () => {
    const r = runTwo(
      preset('vtd-basics.json'),
      'vtd-basics',
      { kernel: '4.10', vendor: null },
      { kernel: '6.18', vendor: null },
    );
    expect(r.steps[0]!.differs).toContain('map_pages_calls');
  });

  it('runs one case under two vendor models', () => {
    const [kvmgt, tree] = [VENDOR_CONFIGS[0]!.label, 'per-page-tree, pin-sparse, host IOMMU off'];
    const r = runTwo(
      preset('vgpu-2m.json'),
      'size-change',
      { kernel: null, vendor: kvmgt },
      { kernel: null, vendor: tree },
    );
    expect(r.error).toBeNull();
    expect(r.differing).toBeGreaterThan(0);
    const bad = runTwo(
      preset('vgpu-2m.json'),
      'size-change',
      { kernel: null, vendor: 'no such' },
      { kernel: null, vendor: null },
    );
    expect(bad.error).toBe('there is no vendor model "no such"');
    const noCase = runTwo(
      preset('vgpu-2m.json'),
      'nope',
      { kernel: null, vendor: null },
      { kernel: null, vendor: null },
    );
    expect(noCase.error).toBe('no case with id "nope"');
  });

  it('fits one worker message (≤ 100 KiB) for every preset and tour, 4.10 against 6.18', () => {
    for (const f of readdirSync('public/scenarios').filter((x) => x !== 'index.json')) {
      const doc = preset(f);
      for (const c of doc.cases) {
        const r = runTwo(doc, c.id, { kernel: '4.10', vendor: null }, { kernel: '6.18', vendor: null });
        expect(JSON.stringify(r).length, `${f} ${c.id}`).toBeLessThanOrEqual(100 * 1024);
      }
    }
  }, 60_000);
});
