// Saving the map: SVG and PNG files of the translation map on screen, with its lanes, its title and the
// step it shows, that open as images.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

async function saved(page: Page, button: string): Promise<{ name: string; bytes: Buffer }> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: button, exact: true }).click();
  const file = await download;
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
}

test('the map saves as an SVG and a PNG that open, titled with the scenario and step', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await expect(page.getByTestId('step-position')).toHaveText('of 3');
  const mapWidth = await page.locator('#map-canvas').evaluate((c) => c.getBoundingClientRect().width);

  const svg = await saved(page, 'Save map as SVG');
  expect(svg.name).toBe('vt-d-basics-superpages-follow-alignment-step-3.svg');
  const text = svg.bytes.toString('utf8');
  expect(text.startsWith('<?xml')).toBe(true);
  const parsed = await page.evaluate((t) => {
    const d = new DOMParser().parseFromString(t, 'image/svg+xml');
    const texts = [...d.querySelectorAll('text')].map((e) => e.textContent);
    return {
      error: d.querySelector('parsererror')?.textContent ?? null,
      rects: d.querySelectorAll('rect').length,
      paths: d.querySelectorAll('path').length,
      title: d.querySelector('title')?.textContent,
      texts,
      width: Number(d.documentElement.getAttribute('width')),
    };
  }, text);
  expect(parsed.error).toBeNull();
  expect(parsed.title).toBe('VT-d basics: superpages follow alignment · step 3 of 3: UNMAP_DMA → 0');
  expect(parsed.texts).toEqual(expect.arrayContaining(['QEMU virtual', 'VFIO iova', 'host physical', 'L1 4 KiB']));
  expect(parsed.rects).toBeGreaterThan(10);
  expect(parsed.width).toBe(Math.round(132 + mapWidth));
  // It opens as an image.
  const svgSize = await page.evaluate(async (t) => {
    const img = new Image();
    img.src = URL.createObjectURL(new Blob([t], { type: 'image/svg+xml' }));
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, text);
  expect(svgSize[0]).toBe(parsed.width);
  expect(svgSize[1]).toBeGreaterThan(150);
  // Every axis label ends inside the picture: a label cut at the edge would read as another address.
  const labelEnds = await page.evaluate((t) => {
    const host = document.createElement('div');
    host.innerHTML = t.replace(/^<\?xml[^>]*>/, '');
    document.body.append(host);
    const svgEl = host.querySelector('svg')!;
    const right = svgEl.getBoundingClientRect().right;
    const labels = [...svgEl.querySelectorAll('text')].filter((e) => e.textContent?.startsWith('0x'));
    const overflow = labels.map((e) => e.getBoundingClientRect().right - right).filter((d) => d > 0.5);
    host.remove();
    return { labels: labels.length, overflow };
  }, text);
  expect(labelEnds.labels).toBeGreaterThan(6);
  expect(labelEnds.overflow).toEqual([]);

  const png = await saved(page, 'Save map as PNG');
  expect(png.name).toBe('vt-d-basics-superpages-follow-alignment-step-3.png');
  expect(png.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const image = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d')!;
    ctx.drawImage(bmp, 0, 0);
    const data = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    const colours = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 97) colours.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return { w: bmp.width, h: bmp.height, colours: colours.size };
  }, png.bytes.toString('base64'));
  // Twice the screen's pixels, the same picture as the SVG: lanes, bands and PTE rows in many colours.
  expect(image.w).toBe(2 * parsed.width);
  expect(image.h).toBe(2 * svgSize[1]!);
  expect(image.colours).toBeGreaterThan(8);
});
