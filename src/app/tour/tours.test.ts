import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFile } from '../../model/engine/check';
import { runFile } from '../../model/engine/run';
import { MODEL_VERSION } from '../../model/version';
import { encodeLink } from '../../url/codec';
import { tourOf } from './tour';

// Where the README tells people to publish the app: links are measured against an origin that long.
const ORIGIN = 'https://example.github.io/vgpu-dma-viz/';

interface Entry {
  id: string;
  file: string;
  tour?: boolean;
}
const index = JSON.parse(readFileSync('public/scenarios/index.json', 'utf8')) as { presets: Entry[] };
const tours = index.presets.filter((p) => p.tour);

describe('guided tours', () => {
  it('the index lists the ten tours of the issue', () => {
    expect(tours.map((t) => t.id).sort()).toEqual(
      [
        'tour-entry-limit',
        'tour-host-iommu',
        'tour-ignored-notifier',
        'tour-iova',
        'tour-memlock',
        'tour-pin-sparse',
        'tour-superpages',
        'tour-tracking-debate',
        'tour-type1-unmap',
        'tour-unmap-pinned',
      ].sort(),
    );
  });

  describe.each(tours)('$id', (entry) => {
    const load = () =>
      JSON.parse(readFileSync(`public/scenarios/${entry.file}`, 'utf8')) as {
        cases: Array<{ id: string; steps: unknown[] }>;
      };

    it('has one case, a caption before step 1 and one on every step, and stops somewhere to look', () => {
      const doc = load();
      expect(doc.cases).toHaveLength(1);
      const tour = tourOf(doc, doc.cases[0]!.id);
      expect(tour).not.toBeNull();
      expect(tour!.captions).toHaveLength(doc.cases[0]!.steps.length + 1);
      for (const c of tour!.captions) {
        expect(c.trim().length).toBeGreaterThan(20);
        expect(c.length).toBeLessThanOrEqual(400);
      }
      expect(tour!.pauses.some(Boolean)).toBe(true);
    });

    it('runs, and what its captions say holds (every step states what it expects)', () => {
      const doc = load();
      const results = runFile(doc);
      const steps = results.cases[0]!.steps;
      expect(results.cases[0]!.error).toBeUndefined();
      for (const s of steps) expect(s.sim_error).toBeUndefined();
      for (const s of doc.cases[0]!.steps) expect((s as { expect?: unknown }).expect).toBeDefined();
      const report = checkFile(doc);
      expect(report.verdicts[0]!.mismatches).toEqual([]);
      expect(report.failed).toBe(0);
    });

    it('fits a whole URL of at most 2,000 characters, opened at its last step', async () => {
      const doc = load();
      const link = await encodeLink({
        doc,
        caseId: doc.cases[0]!.id,
        step: doc.cases[0]!.steps.length,
        selection: null,
        follow: null,
        tab: 'map',
        kernel: null,
        model: MODEL_VERSION,
      });
      expect((ORIGIN + link).length).toBeLessThanOrEqual(2000);
    });
  });
});
