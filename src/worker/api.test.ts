import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSimApi, PAGE_LIST_LIMIT } from './api';
import { SUMMARY_PAGE } from './protocol';

const preset = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../public/scenarios/${name}`, import.meta.url), 'utf8'));

describe('the worker API', () => {
  it('runs every preset listed in public/scenarios/index.json without an error', () => {
    const index = preset('index.json') as { presets: Array<{ file: string }> };
    expect(index.presets.length).toBeGreaterThan(1);
    for (const p of index.presets) {
      const r = createSimApi().run(preset(p.file));
      expect(r.error).toBeUndefined();
      expect(r.cases.every((c) => !c.error && c.steps.length > 0)).toBe(true);
    }
  });

  it('cuts long lists for the page', () => {
    const doc = preset('vtd-basics.json') as { environments: { vtd: { memory: Array<Record<string, unknown>> } } };
    doc.environments.vtd.memory[0]!.layout = 'fragmented';
    const step = createSimApi().run(doc).cases[0]!.steps[0]!;
    expect(step.pin_chunk_count).toBe(262144);
    expect((step.pin_chunks as unknown[]).length).toBe(PAGE_LIST_LIMIT);
  });

  it('copies no more than 100 KiB outside the transfer list in any reply, on every preset and step', () => {
    const index = preset('index.json') as { presets: Array<{ file: string }> };
    for (const p of index.presets) {
      const api = createSimApi();
      const info = api.load(preset(p.file), undefined, {});
      expect(info.cloned).toBeLessThanOrEqual(100 * 1024);
      const n = info.value.steps;
      for (let from = 0; from < n; from += SUMMARY_PAGE)
        expect(api.steps(from, SUMMARY_PAGE).cloned, p.file).toBeLessThanOrEqual(100 * 1024);
      for (let k = 0; k <= n; k++) expect(api.state(k).cloned, `${p.file} step ${k}`).toBeLessThanOrEqual(100 * 1024);
      expect(api.follow(n, 'iova', '0x1000').cloned).toBeLessThanOrEqual(100 * 1024);
    }
  });

  it('a page of step summaries, narration included, stays under 100 KiB on a long case of wordy steps', () => {
    const doc = preset('vtd-basics.json') as { cases: Array<{ steps: unknown[] }> };
    // 400 MAP_DMAs of 2 MiB, each narrated in full (what was pinned, the iommu_map calls, the leaves).
    doc.cases[0]!.steps = Array.from({ length: 400 }, (_, i) => ({
      op: 'MAP_DMA',
      args: {
        flags: ['READ', 'WRITE'],
        vaddr: '0x' + (0x7f0000000000 + i * 0x200000).toString(16),
        iova: '0x' + (0x100000000 + i * 0x200000).toString(16),
        size: '0x200000',
      },
    }));
    const api = createSimApi();
    expect(api.load(doc, undefined, {}).value.steps).toBe(400);
    const page = api.steps(100, SUMMARY_PAGE);
    expect(page.value[0]!.narration.length).toBeGreaterThan(200);
    // With room to spare: a summary's words may grow without a message going past the limit.
    expect(page.cloned).toBeLessThanOrEqual(60 * 1024);
  });

  it("names each function of a step's kernel path once and counts the calls", () => {
    const api = createSimApi();
    const info = api.load(preset('hot-unplug.json'), undefined, {}).value;
    const steps = api.steps(0, info.steps).value;
    for (const s of steps) expect(new Set(s.path).size).toBe(s.path.length);
    // The hot-unplug's UNMAP_DMA calls the vendor back for every pinned page.
    const busiest = steps.reduce((a, b) => (b.calls > a.calls ? b : a));
    expect(busiest.calls).toBeGreaterThan(10 * busiest.path.length);
  });
});
