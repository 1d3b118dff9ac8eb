import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { fit, MAX_PAGE, MIN_SCALE, pageAt, pan, xOf, zoomAt } from './viewport';

describe('viewport', () => {
  it('keeps 4 KiB precision at the top of a 57-bit space', () => {
    const top = MAX_PAGE - 10;
    const v = { origin: BigInt(top - 5), frac: 0, scale: MIN_SCALE, originPages: top - 5 };
    expect(xOf(v, top)).toBe(5 * 64);
    expect(xOf(v, top + 1) - xOf(v, top)).toBe(64);
  });

  test.prop([
    fc.integer({ min: 0, max: 2 ** 44 }),
    fc.integer({ min: 1, max: 2 ** 30 }),
    fc.integer({ min: 200, max: 3000 }),
  ])(
    'fit shows the range; zooming keeps the page under the cursor; panning moves by whole pixels',
    (lo, span, width) => {
      const v = fit(lo, lo + span, width);
      expect(xOf(v, lo)).toBeGreaterThanOrEqual(-1e-6);
      expect(xOf(v, lo + span)).toBeLessThanOrEqual(width + 1e-6);
      const x = width / 3;
      const z = zoomAt(v, x, 0.5, width);
      if (z.scale === v.scale * 0.5 && Number(z.origin) > 0)
        expect(Math.abs(pageAt(z, x) - pageAt(v, x))).toBeLessThan(1);
      const p = pan(z, 10, width);
      if (Number(p.origin) > 0 && Number(z.origin) > 0)
        expect(Math.abs(xOf(p, lo) - xOf(z, lo) - 10)).toBeLessThan(1 / z.scale + 1e-6);
    },
  );
});
