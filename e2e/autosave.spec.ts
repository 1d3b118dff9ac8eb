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

test('a map embedded in another page (?embed) leaves the working scenario as it was', async ({ page }) => {
  const saved = () => page.evaluate(() => window.localStorage.getItem('vgpu-dma-viz:working-scenario'));
  // A link to hot-unplug at step 1, then the working scenario moves on to vtd-basics.
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.getByLabel('Scenario', { exact: true }).selectOption('hot-unplug');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '1');
  await expect.poll(saved).toMatch(/^#s=1\./);
  const link = (await saved())!;
  await page.getByLabel('Scenario', { exact: true }).selectOption('vtd-basics');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await expect.poll(saved).not.toBe(link);
  await page.waitForTimeout(700);
  const working = await saved();

  // The embed opens the link and steps through it: none of that is the user's working scenario.
  await page.goto(`/?embed${link}`);
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '1', { timeout: 30_000 });
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '2');
  await page.waitForTimeout(1000);
  expect(await saved()).toBe(working);
});
