// The working scenario survives a reload without a link in the address; a damaged saved entry is
// dropped quietly and the first preset opens.
import { expect, test } from './fixtures';

test('a reload comes back to the scenario and step being worked on', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.getByLabel('Scenario', { exact: true }).selectOption('hot-unplug');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  const steps = (await page.getByTestId('step-position').textContent())!;
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '1');
  await expect
    .poll(() => page.evaluate(() => window.localStorage.getItem('vgpu-dma-viz:working-scenario')))
    .toMatch(/^#s=1\./);
  await page.waitForTimeout(700);

  await page.reload();
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '1', { timeout: 60_000 });
  await expect(page.getByTestId('step-position')).toHaveText(steps);
  await expect(page.getByLabel('Scenario', { exact: true }).locator('option:checked')).toHaveText(
    'Working scenario (from your last visit)',
  );

  await page.evaluate(() => window.localStorage.setItem('vgpu-dma-viz:working-scenario', '#s=1.garbage'));
  await page.reload();
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await expect(page.getByLabel('Scenario', { exact: true })).toHaveValue('vtd-basics');
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a map embedded in another page (?embed) neither opens nor saves the working scenario', async ({ page }) => {
  const KEY = 'vgpu-dma-viz:working-scenario';
  const saved = () => page.evaluate((k) => window.localStorage.getItem(k), KEY);
  // A link to hot-unplug at step 1, from the full app.
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.getByLabel('Scenario', { exact: true }).selectOption('hot-unplug');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '1');
  // The save of step 1 is written half a second after the last change; until then the entry may be an
  // earlier save (the scenario the page opened with).
  await page.waitForTimeout(1000);
  const link = (await saved())!;
  expect(link).toMatch(/^#s=1\./);
  // The embed opens the link. The saved entry then becomes one that does not open: the app would drop it
  // if it tried to open it, and a save would replace it.
  await page.goto(`/?embed${link}`);
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '1', { timeout: 30_000 });
  const sentinel = '#s=1.not-a-link';
  await page.evaluate(([k, v]) => window.localStorage.setItem(k!, v!), [KEY, sentinel]);
  // It steps (twice the autosave's half-second delay: a save of that step would have been written by
  // then), then opens again without a link.
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '2');
  await page.waitForTimeout(1000);
  expect(await saved()).toBe(sentinel);
  await page.goto('/?embed');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', /\d+/, { timeout: 30_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  expect(await saved()).toBe(sentinel);
});
