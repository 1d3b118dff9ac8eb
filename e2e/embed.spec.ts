// Embed mode: the map and the timeline only, read-only, opened from a share link, with a link to the
// full app that carries the state shown (and follows the steps taken in the embed).
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';

test('?embed shows the map and the timeline of a link, steps, and links to the same state in the full app', async ({
  page,
}) => {
  // A link from the full app: vtd-basics at step 1.
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '1');
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page).toHaveURL(/#s=1\./);
  const hash = new URL(page.url()).hash;

  await page.goto(`/?embed${hash}`);
  await expect(page.getByTestId('embed')).toBeVisible();
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '1', { timeout: 30_000 });
  await expect(page.getByRole('group', { name: 'Timeline' })).toBeVisible();
  // Read-only: no step list, no op panel, no copy or save; editing keys do nothing.
  await expect(page.getByRole('form', { name: 'Add a step' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Copy link' })).toHaveCount(0);
  await page.keyboard.press('n');
  await expect(page.locator('#op-choice')).toHaveCount(0);
  const full = page.getByTestId('open-full-app');
  await expect(full).toHaveAttribute('href', /^http:\/\/127\.0\.0\.1:\d+\/#s=1\./);

  // Stepping in the embed moves the full app's link with it.
  const before = await full.getAttribute('href');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '2');
  await expect(full).not.toHaveAttribute('href', before!);
  const target = (await full.getAttribute('href'))!;
  expect(target).not.toContain('embed');
  const scan = await new AxeBuilder({ page }).analyze();
  expect(scan.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);

  // The full app opens there, at step 2.
  await page.goto(target);
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '2', { timeout: 30_000 });
  await expect(page.getByRole('form', { name: 'Add a step' })).toBeVisible();
});
