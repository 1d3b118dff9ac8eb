// Visual baselines: each view on a preset, light and dark, at 1366×768 and device scale factor 1 with the
// bundled fonts. Update after an intended change with `npm run e2e -- visual --update-snapshots`, then
// look at every PNG under e2e/visual.spec.ts-snapshots/ before committing them.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const SHOTS: Array<{ preset: string; views: Array<[string, string]> }> = [
  {
    preset: 'vgpu-2m',
    views: [
      ['map', 'section[aria-label="Translation map"]'],
      ['vendor', 'section[aria-label="vGPU vendor tracking"]'],
      ['iova', 'section[aria-label="iova.c"]'],
      ['page', 'body'],
    ],
  },
  {
    preset: 'vtd-basics',
    views: [
      ['map', 'section[aria-label="Translation map"]'],
      ['pagetable', 'section[aria-label="IOMMU page table"]'],
      ['steps', '.steps-panel'],
    ],
  },
  {
    preset: 'hot-unplug',
    views: [
      ['dmatree', 'section[aria-label="vfio_dma tree"]'],
      ['map', 'section[aria-label="Translation map"]'],
    ],
  },
  { preset: 'tib-hugepages', views: [['gauges', '.gauges']] },
];

async function open(page: Page, preset: string): Promise<void> {
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 30_000 });
  if (preset !== 'vtd-basics') {
    await page.getByLabel('Scenario').selectOption(preset);
    await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  }
  await page.evaluate(() => document.fonts.ready);
  // Two frames: the map draws in the frame after the state arrives.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

for (const scheme of ['light', 'dark'] as const)
  for (const { preset, views } of SHOTS)
    test(`${preset} in ${scheme}`, async ({ page }) => {
      test.setTimeout(90_000);
      await page.emulateMedia({ colorScheme: scheme });
      await open(page, preset);
      for (const [name, selector] of views)
        await expect(page.locator(selector).first()).toHaveScreenshot(`${preset}-${name}-${scheme}.png`);
    });
