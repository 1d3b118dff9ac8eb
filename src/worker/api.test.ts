import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSimApi, PAGE_LIST_LIMIT } from './api';

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
});
