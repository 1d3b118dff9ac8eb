// Guided tours: every tour in the preset list plays from its first caption to its last, stopping where a
// caption asks the reader to look and going on when Play is pressed again. The ten tours play side by
// side, each in a page of its own, so the whole set takes as long as the longest one.
import { readFileSync } from 'node:fs';
import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { presets, type PresetEntry } from './model';

interface TourDoc {
  cases: Array<{ caption: string; steps: Array<{ caption: string; pause?: boolean }> }>;
}
const tours = presets().filter((p) => p.tour);

/** Opens a tour, plays it at 4× and presses Play at every pause; returns the captions shown, in order. */
async function playTour(
  browser: Browser,
  entry: PresetEntry,
): Promise<{ seen: string[]; pauses: number[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page: Page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.getByLabel('Scenario', { exact: true }).selectOption(entry.id);
  await expect(page.getByTestId('tour-position')).toHaveText('before step 1', { timeout: 60_000 });
  // Every caption the page puts up, as it puts it up.
  await page.evaluate(() => {
    const w = window as unknown as { seen: string[] };
    w.seen = [];
    const note = () => {
      const t = document.querySelector('[data-testid="tour-caption"]')?.textContent ?? '';
      if (w.seen.at(-1) !== t) w.seen.push(t);
    };
    note();
    new MutationObserver(note).observe(document.querySelector('[data-testid="tour"]')!, {
      subtree: true,
      childList: true,
      characterData: true,
    });
  });
  await page.getByLabel('pace', { exact: true }).selectOption('4');
  const doc = JSON.parse(readFileSync(`public/scenarios/${entry.file}`, 'utf8')) as TourDoc;
  const n = doc.cases[0]!.steps.length;
  const pauses: number[] = [];
  await page.getByTestId('tour-play').click();
  for (;;) {
    // Stopped: at a pause, or at the end.
    await expect(page.getByTestId('tour-play')).toHaveAttribute('title', 'Play the tour', { timeout: 60_000 });
    const at = await page.getByTestId('tour-position').textContent();
    if (at === `step ${n} of ${n}`) break;
    await expect(page.getByTestId('tour-paused')).toBeVisible();
    pauses.push(Number(/step (\d+)/.exec(at ?? '')?.[1]));
    await page.getByTestId('tour-play').click();
  }
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  await context.close();
  return { seen, pauses, errors };
}

test('every guided tour plays from start to end with its captions, stopping where it asks to look', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  expect(tours.length).toBe(10);
  const played = await Promise.all(tours.map((t) => playTour(browser, t)));
  for (const [i, entry] of tours.entries()) {
    const doc = JSON.parse(readFileSync(`public/scenarios/${entry.file}`, 'utf8')) as TourDoc;
    const c = doc.cases[0]!;
    const { seen, pauses, errors } = played[i]!;
    expect(errors, entry.id).toEqual([]);
    expect(seen, entry.id).toEqual([c.caption, ...c.steps.map((s) => s.caption)]);
    // It stopped at every pause but the last step's (the end stops it anyway), and nowhere else.
    const expected = c.steps.flatMap((s, k) => (s.pause && k + 1 < c.steps.length ? [k + 1] : []));
    expect(pauses, entry.id).toEqual(expected);
  }
});

test('opening another scenario while a tour plays stops it: the new tour waits at its opening caption', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.getByLabel('Scenario', { exact: true }).selectOption('tour-memlock');
  await expect(page.getByTestId('tour-position')).toHaveText('before step 1');
  await page.getByLabel('pace', { exact: true }).selectOption('4');
  await page.getByTestId('tour-play').click();
  await expect(page.getByTestId('tour-play')).toHaveAttribute('title', 'Pause the tour');
  await page.getByLabel('Scenario', { exact: true }).selectOption('tour-iova');
  await expect(page.getByTestId('tour-position')).toHaveText('before step 1');
  await expect(page.getByTestId('tour-play')).toHaveAttribute('title', 'Play the tour');
  // Longer than a caption stays up at 4×: had the old tour's timer survived, it would have stepped on.
  await page.waitForTimeout(2500);
  await expect(page.getByTestId('tour-position')).toHaveText('before step 1');
});
