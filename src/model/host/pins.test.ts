import { describe, expect, it } from 'vitest';
import { runFile } from '../engine/run';
import { readFileSync } from 'node:fs';

const examples = JSON.parse(readFileSync(new URL('../../../conformance/examples.json', import.meta.url), 'utf8')) as {
  environments: Record<string, unknown>;
};

describe('host frame pin counts', () => {
  it('an IOMMU-backed MAP_DMA pins each page once; an external pin of a mapped page adds a second pin; BAR frames get none', () => {
    const r = runFile({
      schema: 'vfio-type1-conformance/1',
      environments: examples.environments,
      cases: [
        {
          id: 'pins',
          env: 'mixed',
          steps: [
            { op: 'MAP_DMA', args: { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0x0', size: '0x4000' } },
            {
              op: 'MAP_DMA',
              args: { flags: ['READ', 'WRITE'], vaddr: '0x7f2000000000', iova: '0x100000', size: '0x2000' },
            },
            { op: 'PIN_PAGES', args: { iova: '0x1000', npage: 1, prot: ['READ'] } },
          ],
        },
      ],
    });
    expect(r.cases[0]!.final.host_pins).toEqual({ pages: 4, pins: 5 });
  });
});
