import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';
import { readFileSync } from 'node:fs';
import { compareConfig } from '../src/model/engine/compare';
import { VENDOR_CONFIGS } from '../src/model/mdev/configs';
import { runFile } from '../src/model/engine/run';

const preset = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../public/scenarios/${file}`, import.meta.url), 'utf8'));

test.describe('app shell', () => {
  test('runs the first preset in the worker and shows its steps and final counters', async ({ page }) => {
    const expected = runFile(preset('vtd-basics.json')).cases[0]!;
    await page.goto('/');
    await expect(page.getByRole('table', { name: /Steps of vtd-basics/ })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Ready.');
    for (const [i, s] of expected.steps.entries()) {
      await expect(page.getByTestId(`step-${i}`)).toContainText(s.op);
      await expect(page.getByTestId(`step-${i}`).locator('td').nth(2)).toHaveText(String(s.ret));
    }
    const leaves = expected.final.leaf_ptes as Record<string, number>;
    for (const size of ['4K', '2M', '1G'])
      await expect(page.getByTestId(`leaf-${size}`).locator('dd')).toHaveText(String(leaves[size]));
    await expect(page.getByTestId('final-locked_vm').locator('dd').first()).toHaveText(
      String(expected.final.locked_vm_pages),
    );
    await expect(page.getByTestId('final-dma_avail').locator('dd').first()).toHaveText(
      String(expected.final.dma_avail),
    );
    await expect(page.getByTestId('step-0')).toContainText('pin_chunk_count 1');

    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await page.screenshot({ path: 'test-results/app.png', fullPage: true });
  });

  test('switches preset with the keyboard and shows the mdev results', async ({ page }) => {
    const expected = runFile(preset('mdev-pin.json')).cases[0]!;
    await page.goto('/');
    await expect(page.getByRole('table', { name: /Steps of vtd-basics/ })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Ready.');
    await page.getByLabel('Scenario').selectOption('mdev-pin');
    await page.getByLabel('Scenario').press('Tab');
    await expect(page.getByRole('button', { name: 'Run' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('table', { name: /Steps of mdev-pin/ })).toBeVisible();
    await expect(page.getByTestId('step-1').locator('td').nth(2)).toHaveText(String(expected.steps[1]!.ret));
    await expect(page.getByTestId('final-locked_vm').locator('dd').first()).toHaveText(
      String(expected.final.locked_vm_pages),
    );
    await expect(page.getByText('No IOMMU domain in this container')).toBeVisible();
    await page.screenshot({ path: 'test-results/app-mdev.png', fullPage: true });
  });

  test('cancels a long run and keeps the previous results', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('table', { name: /Steps of vtd-basics/ })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('Ready.');
    await page.getByLabel('Scenario').selectOption('tib-hugepages');
    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByRole('status')).toHaveText(/Running/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('status')).toHaveText('Cancelled.');
    await expect(page.getByRole('table', { name: /Steps of vtd-basics/ })).toBeVisible();

    await page.getByRole('button', { name: 'Run' }).click();
    await expect(page.getByRole('table', { name: /Steps of tib-hugepages/ })).toBeVisible({ timeout: 30_000 });
    await expect(page.getByTestId('leaf-2M').locator('dd')).toHaveText('524288');
    await expect(page.getByTestId('step-0')).toContainText('pin_chunk_count 524288');
  });

  test("shows the seed thread example: 512 MiB as a flat array is 512 KiB, next to the thread's 2MB", async ({
    page,
  }) => {
    await page.goto('/');
    await expect(page.getByTestId('seed-flat')).toHaveText('512 KiB');
    await expect(page.getByText('512K*4 = 2MB')).toBeVisible();
    await expect(page.getByTestId('seed-per-page-tree')).toContainText('8 MiB');
    await page.screenshot({ path: 'test-results/app-seed.png', fullPage: true });
  });

  test('switching the vGPU vendor model reruns the workload and the counters change', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('table', { name: /Steps of vtd-basics/ })).toBeVisible();
    await page.getByLabel('Scenario').selectOption('vgpu-workload');
    await page.getByRole('button', { name: 'Run' }).click();
    const workload = page.getByRole('table', { name: /Steps of random-working-set/ }).getByTestId('step-1');
    await expect(workload).toContainText('tracking_bytes 262144', { timeout: 30_000 });
    await page.getByLabel('vGPU vendor model').selectOption('flat-array, pin-sparse, host IOMMU off');
    await expect(workload).toContainText('tracking_bytes 1048576', { timeout: 30_000 });
    await expect(workload).toContainText('dma_map_calls 0');
    await page.getByLabel('vGPU vendor model').selectOption('kvmgt (shipped), host IOMMU off');
    await expect(workload).toContainText('tracking_bytes 393216', { timeout: 30_000 });
    await page.screenshot({ path: 'test-results/app-vendor.png', fullPage: true });
  });

  test('compares the vendor models side by side: chart and cost table fill in and follow the policy', async ({
    page,
  }) => {
    const expected = (label: string) =>
      compareConfig(
        preset('vgpu-workload.json'),
        VENDOR_CONFIGS.find((c) => c.label === label)!,
      ).rows[0]!;
    await page.goto('/');
    await expect(page.getByRole('table', { name: /Steps of vtd-basics/ })).toBeVisible();
    await page.getByLabel('Scenario').selectOption('vgpu-workload');
    await page.getByRole('button', { name: 'Run' }).click();
    const status = page.getByTestId('compare-status');
    await expect(status).toHaveText('5 of 5 vendor models.', { timeout: 60_000 });
    const sparse = expected('per-page-tree, pin-sparse, host IOMMU dma');
    const row = page.getByTestId('cost-per-page-tree, pin-sparse, host IOMMU dma');
    await expect(row.locator('td').nth(7)).toHaveText(sparse.entries.toLocaleString('en-US'));
    await expect(row.locator('td').nth(0)).toHaveText(sparse.maps.toLocaleString('en-US'));
    await expect(page.locator('svg.cost-chart path')).toHaveCount(5);
    const axe = await new AxeBuilder({ page }).include('.compare').analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
    await page.screenshot({ path: 'test-results/app-compare.png', fullPage: true });

    await page.getByLabel('Pinning policy').selectOption('pin-all');
    await expect(status).toHaveText('5 of 5 vendor models.', { timeout: 60_000 });
    const all = expected('per-page-tree, pin-all, host IOMMU dma');
    await expect(page.getByTestId('cost-per-page-tree, pin-all, host IOMMU dma').locator('td').nth(7)).toHaveText(
      all.entries.toLocaleString('en-US'),
    );
    expect(all.entries).toBeGreaterThan(sparse.entries);
    await page.getByLabel('Chart').selectOption('locked_vm_pages');
    await expect(page.getByRole('img', { name: /locked_vm \(pages\) along the case/ })).toBeVisible();

    // A comparison stopped part way keeps its rows and offers the rest; asked, it finishes.
    await page.getByLabel('Host IOMMU').selectOption('off');
    await page.getByRole('button', { name: 'Stop' }).click();
    const resume = page.getByRole('button', { name: /Compare the remaining/ });
    await expect(resume).toBeVisible();
    await resume.click();
    await expect(status).toHaveText('4 of 4 vendor models.', { timeout: 60_000 });
  });
});
