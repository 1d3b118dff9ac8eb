// Share links: what is on screen goes into the URL and comes back the same in another page; broken and
// hostile fragments give a message and leave a working page, with nothing on the console.
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const map = (page: Page) => page.locator('#map-canvas');

async function ready(page: Page): Promise<void> {
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
}

test('a link opens the same scenario, step, selection, followed address and view in a new page', async ({
  page,
  context,
}) => {
  await page.goto('/');
  await ready(page);
  await page.getByLabel('Scenario').selectOption('vtd-basics');
  await ready(page);
  // Step by step to step 2: the map outlines what step 2 did (as a jump there would).
  for (const [key, step] of [
    ['Home', '0'],
    ['ArrowRight', '1'],
    ['ArrowRight', '2'],
  ] as const) {
    await page.keyboard.press(key);
    await expect(map(page)).toHaveAttribute('data-step', step);
  }
  await page.getByLabel('Address space').selectOption('iova');
  await page.locator('#follow-addr').fill('0x40123456');
  await page.getByRole('button', { name: 'Follow', exact: true }).click();
  await expect(page.getByTestId('chain').locator('li')).toHaveCount(3);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('alert')).toContainText(/Link copied|address bar/);
  // Dismissed, so both pages lay out the same (the map fills the height its panel has).
  await page.getByRole('button', { name: 'Dismiss the message' }).click();
  const url = page.url();
  expect(url).toMatch(/#s=1\.[A-Za-z0-9_-]+$/);
  expect(url.length).toBeLessThan(2000);

  const other = await context.newPage();
  await other.goto(url);
  await ready(other);
  await expect(map(other)).toHaveAttribute('data-step', '2');
  await expect(other.getByLabel('Scenario')).toHaveValue('');
  await expect(other.getByTestId('step-position')).toHaveText('of 3');
  await expect(other.getByTestId('selection')).toContainText('the followed iova 0x40123456');
  await expect(other.getByTestId('chain')).toHaveText((await page.getByTestId('chain').textContent())!);
  // The same picture: both fitted to the step, what step 2 did outlined, the chain drawn.
  for (const p of [page, other]) {
    await p.getByRole('button', { name: 'Fit', exact: true }).click();
    await p.mouse.move(0, 0);
  }
  await expect(map(other)).toHaveAttribute('data-chain', (await map(page).getAttribute('data-chain'))!);
  await expect(map(other)).toHaveAttribute('data-highlight', (await map(page).getAttribute('data-highlight'))!);
  // Frames are drawn in the next animation frame: compare until both pages have drawn (or time out).
  await expect
    .poll(async () => Buffer.compare(await map(other).screenshot(), await map(page).screenshot()), { timeout: 10_000 })
    .toBe(0);
  await other.close();
});

test('Back returns to the link before, Forward to the one after', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(map(page)).toHaveAttribute('data-step', '1');
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page).toHaveURL(/#s=1\./);
  const first = page.url();
  await page.keyboard.press('End');
  await expect(map(page)).toHaveAttribute('data-step', '3');
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect.poll(() => page.url()).not.toBe(first);
  await page.keyboard.press('Home');
  await expect(map(page)).toHaveAttribute('data-step', '0');
  await page.goBack();
  await expect(map(page)).toHaveAttribute('data-step', '1');
  await page.goForward();
  await expect(map(page)).toHaveAttribute('data-step', '3');
});

const pack = (v: unknown, format = 1) =>
  `#s=${format}.` + deflateRawSync(Buffer.from(JSON.stringify(v))).toString('base64url');

/** Hand-made hostile fragments, each kind once. */
const HANDMADE: string[] = [
  '#s=',
  '#s=1',
  '#s=1.',
  '#s=x.abc',
  '#s=99.' + deflateRawSync(Buffer.from('{}')).toString('base64url'),
  '#s=1.%%%%',
  '#s=1.' + 'A'.repeat(50_000),
  pack({ doc: {}, step: 0, model: 'x' }).slice(0, 30),
  '#s=1.' + deflateRawSync(Buffer.from('{"doc": <script>alert(1)</script>')).toString('base64url'),
  pack({ doc: { schema: 'vfio-type1-conformance/1', cases: [] }, step: 0, model: 'x' }),
  pack({ doc: { schema: '<img src=x onerror=alert(1)>', cases: [{ id: '<script>' }] }, step: 3, model: 'x' }),
  pack({
    doc: { schema: 'vfio-type1-conformance/1', environments: { __proto__: { kernel: '9.9' } } },
    step: 0,
    model: 'x',
  }),
  pack({ doc: {}, step: 0, follow: { space: 'iova', addr: 'javascript:alert(1)' }, model: 'x' }),
  pack({ doc: {}, step: -5, model: 'x' }),
  pack([1, 2, 3]),
  // A decompression bomb: 64 MiB of spaces in about 64 KB.
  '#s=1.' +
    deflateRawSync(Buffer.concat([Buffer.from('{"doc":"'), Buffer.alloc(64 << 20, 0x20), Buffer.from('"}')]), {
      level: 9,
    }).toString('base64url'),
];

test('a link past 8 KB says mail may cut it and offers the scenario file instead', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  // A scenario whose description does not compress: its link is well past 8,000 characters.
  const doc = JSON.parse(readFileSync('public/scenarios/vtd-basics.json', 'utf8')) as Record<string, unknown>;
  const noise = randomBytes(9000).toString('base64');
  await page.locator('#scenario-file').setInputFiles({
    name: 'long.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify({ ...doc, description: noise })),
  });
  await ready(page);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('alert')).toContainText('send the scenario file instead');
  expect(page.url().length).toBeGreaterThan(8000);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save the scenario file' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('long-json.json');
  const saved = JSON.parse(readFileSync((await file.path())!, 'utf8')) as Record<string, unknown>;
  expect(saved.description).toBe(noise);
  // A short link offers nothing of the kind.
  await page.getByLabel('Scenario', { exact: true }).selectOption('vtd-basics');
  await ready(page);
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page.getByRole('alert')).toContainText('Link copied');
  await expect(page.getByRole('button', { name: 'Save the scenario file' })).toHaveCount(0);
});

test('200 broken and hostile links each say why, keep the scenario shown and leave a working page', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto('/');
  await ready(page);
  await expect(map(page)).toHaveAttribute('data-step', '3');
  const generated = fc.sample(
    fc.oneof(
      fc.string({ maxLength: 200 }).map((s) => '#s=' + s),
      fc.string({ maxLength: 200 }).map((s) => '#s=1.' + Buffer.from(s).toString('base64url')),
      fc.jsonValue().map((v) => pack(v)),
      fc.record({ doc: fc.jsonValue(), step: fc.jsonValue(), model: fc.string() }).map((v) => pack(v)),
    ),
    { numRuns: 200 - HANDMADE.length, seed: 20261130 },
  );
  let n = 0;
  for (const hash of [...HANDMADE, ...generated]) {
    if (await page.getByRole('alert').count()) await page.getByRole('button', { name: 'Dismiss the message' }).click();
    await expect(page.getByRole('alert')).toHaveCount(0);
    await page.evaluate((h) => {
      window.location.hash = h;
    }, hash);
    // Each one gives its one-line message (the fragment is read and refused, or the worker refuses it).
    await expect(page.getByRole('alert')).toContainText(/could not be opened|could not be run/, { timeout: 20_000 });
    await expect(page.locator('#app-status')).not.toHaveText(/Running|Loading/, { timeout: 20_000 });
    await page.evaluate(() => {
      window.history.replaceState(null, '', '#');
    });
    n++;
  }
  expect(n).toBe(200);
  // The first preset is still the one shown, and the page still steps.
  await expect(page.getByLabel('Scenario')).toHaveValue('vtd-basics');
  await page.keyboard.press('Home');
  await expect(map(page)).toHaveAttribute('data-step', '0');
});
