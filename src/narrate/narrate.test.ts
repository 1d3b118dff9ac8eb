import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { opNames } from '../model/engine/ops';
import { runFile } from '../model/engine/run';
import { bytesText, errnoText, narrate } from './narrate';

interface Doc {
  cases: Array<{ id: string; steps: Array<{ op: string; args?: Record<string, unknown> }> }>;
}
const files = [
  ...readdirSync('public/scenarios')
    .filter((f) => f.endsWith('.json') && f !== 'index.json')
    .map((f) => `public/scenarios/${f}`),
  ...readdirSync('conformance').map((f) => `conformance/${f}`),
];

/** Every step of every preset, tour and conformance case, with its narration. */
function narrated(): Array<{ file: string; op: string; ret: unknown; text: string }> {
  const out = [];
  for (const file of files) {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Doc;
    const results = runFile(doc);
    for (const [ci, c] of results.cases.entries()) {
      const steps = doc.cases.find((x) => x.id === c.id)?.steps ?? doc.cases[ci]!.steps;
      const refs: Array<Record<string, unknown>> = [];
      for (const [i, r] of c.steps.entries()) {
        out.push({ file, op: r.op, ret: r.ret, text: narrate(steps[i]!, r, refs) });
        refs.push(r);
      }
    }
  }
  return out;
}

describe('narration', () => {
  const all = narrated();

  it('says something for every step of every op the presets and cases use', () => {
    const silent = all.filter((s) => s.text.trim() === '');
    expect(silent).toEqual([]);
    // The presets and cases use most ops; the rest are covered by name below.
    expect(new Set(all.map((s) => s.op)).size).toBeGreaterThan(15);
  });

  it('names the errno and what strerror prints for it on every failed step', () => {
    const failed = all.filter((s) => typeof s.ret === 'string' && s.ret.startsWith('-E'));
    expect(failed.length).toBeGreaterThan(10);
    for (const s of failed) expect(s.text).toContain(errnoText(s.ret as string));
    expect(errnoText('-ENOMEM')).toBe('-ENOMEM (Cannot allocate memory)');
  });

  it('has a sentence for every op in the registry', () => {
    for (const op of opNames()) {
      const text = narrate({ op, args: {} }, { op, ret: 0 });
      expect(text, op).not.toBe('');
    }
  });

  it('says what a MAP_DMA pinned and which leaves the IOMMU driver wrote', () => {
    const doc = JSON.parse(readFileSync('public/scenarios/vtd-basics.json', 'utf8')) as Doc;
    const r = runFile(doc).cases[0]!.steps[0]!;
    const text = narrate(doc.cases[0]!.steps[0]!, r);
    expect(text).toMatch(
      /^Mapped 1 GiB at iova 0x40000000 from vaddr 0x7f0000000000: vfio_pin_pages_remote pinned 262,144 pages in 1 contiguous chunk and vfio_iommu_map made 1 iommu_map call; the IOMMU driver wrote 1 × 1 GiB leaf\. locked_vm is 262,144 pages\.$/,
    );
  });

  it('tells pins that only gained a reference from new ones, and a vendor callback on unmap', () => {
    const doc = JSON.parse(readFileSync('public/scenarios/mdev-pin.json', 'utf8')) as Doc;
    const steps = runFile(doc).cases[0]!.steps;
    expect(narrate(doc.cases[0]!.steps[2]!, steps[2]!)).toBe(
      "The vendor pinned 4 pages at iova 0x12000, host pfn 0x100012 onwards: each has a vfio_pfn in the mapping's pfn_list, a page already there gaining a reference. locked_vm is 6 pages.",
    );
    // No IOMMU domain here: nothing claims IOMMU entries were cleared.
    expect(narrate(doc.cases[0]!.steps[4]!, steps[4]!)).toBe(
      "Unmapped 64 MiB from iova 0x0: each vfio_dma in the range was removed (vfio_remove_dma) with whatever it had mapped and pinned. Pages were still pinned, so type1 called the vendor's dma_unmap 1 time for it to unpin them. locked_vm is 0 pages.",
    );
  });

  it('names the notifier as the kernel of the profile has it (a direct call from 6.0, the notifier chain before)', () => {
    const unmap = { op: 'UNMAP_DMA', args: { iova: '0x0', size: '0x1000' } };
    const before60 = {
      op: 'UNMAP_DMA',
      ret: 0,
      size: '0x1000',
      vendor_callback_count: 2,
      explain: { path: ['vfio_dma_do_unmap'] },
    };
    expect(narrate(unmap, before60)).toContain('type1 sent the vendor VFIO_IOMMU_NOTIFY_DMA_UNMAP 2 times');
  });

  it('takes an address a step names by $ref from the step that reported it', () => {
    const text = narrate(
      { op: 'KVMGT_UNMAP_GUEST_PAGE', args: { dma_addr: { $ref: 'steps[0].dma_addr' } } },
      { op: 'KVMGT_UNMAP_GUEST_PAGE', ret: null, kref: null, nr_cache_entries: 0 },
      [{ dma_addr: '0xfffff000' }],
    );
    expect(text).toContain('dma_addr 0xfffff000: the last one');
  });

  it('writes sizes as people say them', () => {
    expect(bytesText('0x40000000')).toBe('1 GiB');
    expect(bytesText(4096)).toBe('4 KiB');
    expect(bytesText('0x1801')).toBe('6145 bytes');
    expect(bytesText('0x1800')).toBe('6 KiB');
    expect(bytesText({ $ref: 'x' })).toBe('…');
  });
});
