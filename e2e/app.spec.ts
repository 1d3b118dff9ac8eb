// The page as a whole: a preset opens at its last step with every step's return value the model gives,
// the keyboard and the timeline move every view together, the `?` sheet, cancelling a long load, the
// comparison of vendor models and the seed thread's example.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { compareConfig } from '../src/model/engine/compare';
import { VENDOR_CONFIGS } from '../src/model/mdev/configs';
import { count, openModel, presetDoc } from './model';
import { expectTree } from './tree';

const status = (page: Page) => page.locator('#app-status');
const map = (page: Page) => page.getByTestId('translation-map').locator('canvas');

async function opened(page: Page, preset: string): Promise<void> {
  if (preset !== 'vtd-basics') await page.getByLabel('Scenario').selectOption(preset);
  await expect(page.getByLabel('Scenario')).toHaveValue(preset);
  await expect(status(page)).toHaveText('Ready.', { timeout: 30_000 });
}

/** Every view shows step n as the model has it. */
async function showsStep(page: Page, model: ReturnType<typeof openModel>, n: number): Promise<void> {
  const s = model.state(n);
  const g = s.gauges;
  await expect(page.getByRole('slider', { name: 'Step' })).toHaveValue(String(n));
  await expect(map(page)).toHaveAttribute('data-step', String(n));
  await expect(page.getByTestId('current-step')).toContainText(
    n === 0 ? 'The environment as built' : model.steps[n - 1]!.op,
  );
  await expect(page.getByTestId('gauge-pte-4k')).toHaveText(`4K ${count(g.leaves4k)}`);
  await expect(page.getByTestId('gauge-tables')).toHaveText(`table pages ${count(g.tablePages)}`);
  await expect(page.getByTestId('gauge-locked')).toContainText(count(g.lockedVm));
  if (s.iommu)
    for (let level = 1; level <= s.iommu.levels; level++) {
      let leaves = 0;
      for (let i = 0; i < s.iommu.runs.length; i++)
        if (s.iommu.runs.cols.level[i] === level) leaves += s.iommu.runs.cols.pages[i]! / 512 ** (level - 1);
      await expect(page.getByTestId(`pt-level-${level}`).locator('td').nth(3)).toContainText(count(leaves));
    }
  await expectTree(page, 'dma-tree', s.dmaTree);
  const current = page.locator('[aria-current=step]');
  if (n === 0) await expect(current).toHaveCount(0);
  else await expect(current).toHaveAttribute('data-testid', `step-${n - 1}`);
}

test.describe('the page', () => {
  test('opens the first preset at its last step: every step as the model runs it, no accessibility faults', async ({
    page,
  }) => {
    const model = openModel(presetDoc('vtd-basics.json'));
    await page.goto('/');
    await opened(page, 'vtd-basics');
    for (const [i, s] of model.steps.entries()) {
      await expect(page.getByTestId(`step-${i}`).locator('.op')).toHaveText(s.op);
      await expect(page.getByTestId(`step-${i}`).locator('.ret')).toHaveText(String(s.ret));
    }
    await showsStep(page, model, model.info.steps);
    const axe = await new AxeBuilder({ page }).analyze();
    const bad = axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
  });

  test('← → Home End, the buttons and jump to step N move every view to that step', async ({ page }) => {
    const model = openModel(presetDoc('vtd-basics.json'));
    const last = model.info.steps;
    await page.goto('/');
    await opened(page, 'vtd-basics');
    await page.locator('body').press('Home');
    await showsStep(page, model, 0);
    await page.keyboard.press('ArrowRight');
    await showsStep(page, model, 1);
    await page.keyboard.press('ArrowRight');
    await showsStep(page, model, 2);
    await page.keyboard.press('ArrowLeft');
    await showsStep(page, model, 1);
    await page.keyboard.press('End');
    await showsStep(page, model, last);
    await page.keyboard.press('g');
    await expect(page.locator('#jump-to')).toBeFocused();
    await page.keyboard.type('2');
    await page.keyboard.press('Enter');
    await showsStep(page, model, 2);
    await page.getByRole('button', { name: 'First' }).click();
    await showsStep(page, model, 0);
    await page.getByRole('button', { name: 'Next step' }).click();
    await showsStep(page, model, 1);
    // A step clicked in the list is the step shown.
    await page
      .getByTestId(`step-${last - 1}`)
      .getByRole('button')
      .click();
    await showsStep(page, model, last);
  });

  test('the step list keeps the current step in view on a long case, wherever a jump lands', async ({ page }) => {
    // 600 steps: far more rows than the list shows at once.
    const doc = presetDoc('vtd-basics.json') as { cases: Array<{ steps: unknown[] }> };
    doc.cases[0]!.steps = Array.from({ length: 600 }, () => ({
      op: 'CHECK_EXTENSION',
      args: { ext: 'VFIO_TYPE1v2_IOMMU' },
    }));
    await page.goto('/');
    await expect(status(page)).toHaveText('Ready.', { timeout: 60_000 });
    await page.locator('#scenario-file').setInputFiles({
      name: 'long.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(doc)),
    });
    await expect(status(page)).toHaveText('Ready.', { timeout: 60_000 });
    const current = page.locator('[aria-current=step]');
    // The list draws only the rows near its view: the row at the top of the view must be one of them.
    const topRowDrawn = () =>
      page.evaluate(() => {
        const box = document.querySelector('.step-scroll')!.getBoundingClientRect();
        return document.elementFromPoint(box.left + 20, box.top + 4)?.closest('li.step') != null;
      });
    const inView = async (n: number) => {
      await expect(current).toHaveAttribute('data-testid', `step-${n - 1}`);
      await expect(current).toBeInViewport();
      await expect.poll(topRowDrawn).toBe(true);
    };
    // Opened at its last step, then jumps back, far forward, near, and to the first step.
    await inView(600);
    for (const n of [40, 480, 470, 1]) {
      await page.locator('#jump-to').fill(String(n));
      await page.locator('#jump-to').press('Enter');
      await inView(n);
    }
    // The end of the list, and one step back from it (the view cannot scroll past the last row).
    await page.locator('body').press('End');
    await inView(600);
    await page.keyboard.press('ArrowLeft');
    await inView(599);
    await page.keyboard.press('Home');
    await expect(current).toHaveCount(0);
    await expect(
      page.getByRole('list', { name: 'Steps of the case' }).getByText('environment as built'),
    ).toBeInViewport();
  });

  test('? lists every keyboard command; Escape closes the sheet', async ({ page }) => {
    await page.goto('/');
    await opened(page, 'vtd-basics');
    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard' });
    await expect(sheet).toBeVisible();
    for (const title of ['Next step', 'Previous step', 'Jump to step N', 'Follow an address', 'Undo the last edit'])
      await expect(sheet.getByText(title, { exact: true })).toBeVisible();
    await expect(sheet.locator('kbd', { hasText: '→' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(sheet).toBeHidden();
  });

  test('a long load can be cancelled: the scenario shown before stays; opened again it finishes', async ({ page }) => {
    test.setTimeout(90_000);
    await page.goto('/');
    await opened(page, 'vtd-basics');
    await page.getByLabel('Scenario').selectOption('tib-hugepages');
    await expect(status(page)).toHaveText(/Running/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('alert')).toContainText('cancelled');
    await expect(status(page)).toHaveText('Ready.', { timeout: 30_000 });
    await expect(page.getByTestId('step-2').locator('.op')).toHaveText('UNMAP_DMA');
    await expect(page.getByTestId('gauge-pte-2m')).toHaveText('2M 0');

    await page.getByLabel('Scenario').selectOption('vtd-basics');
    await page.getByLabel('Scenario').selectOption('tib-hugepages');
    await expect(status(page)).toHaveText('Ready.', { timeout: 60_000 });
    await expect(page.getByTestId('gauge-pte-2m')).toHaveText('2M 524,288');
    await expect(page.getByTestId('step-0')).toContainText('pin chunk count 524288');
  });

  test('compares the vendor models side by side: chart and cost table fill in and follow the policy', async ({
    page,
  }) => {
    const expected = (label: string) =>
      compareConfig(
        presetDoc('vgpu-workload.json'),
        VENDOR_CONFIGS.find((c) => c.label === label)!,
      ).rows[0]!;
    await page.goto('/');
    await opened(page, 'vgpu-workload');
    await page.getByRole('tab', { name: 'Compare', exact: true }).click();
    const compareStatus = page.getByTestId('compare-status');
    await expect(compareStatus).toHaveText('5 of 5 vendor models.', { timeout: 60_000 });
    const sparse = expected('per-page-tree, pin-sparse, host IOMMU dma');
    const row = page.getByTestId('cost-per-page-tree, pin-sparse, host IOMMU dma');
    await expect(row.locator('td').nth(7)).toHaveText(sparse.entries.toLocaleString('en-US'));
    await expect(row.locator('td').nth(0)).toHaveText(sparse.maps.toLocaleString('en-US'));
    await expect(page.locator('svg.cost-chart path')).toHaveCount(5);
    const axe = await new AxeBuilder({ page }).include('.compare').analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);

    await page.getByLabel('Pinning policy').selectOption('pin-all');
    await expect(compareStatus).toHaveText('5 of 5 vendor models.', { timeout: 60_000 });
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
    await expect(compareStatus).toHaveText('4 of 4 vendor models.', { timeout: 60_000 });
  });

  test("shows the seed thread example: 512 MiB as a flat array is 512 KiB, next to the thread's 2MB", async ({
    page,
  }) => {
    await page.goto('/');
    await page.getByRole('tab', { name: 'Compare', exact: true }).click();
    await expect(page.getByTestId('seed-flat')).toHaveText('512 KiB');
    await expect(page.getByText('512K*4 = 2MB')).toBeVisible();
    await expect(page.getByTestId('seed-per-page-tree')).toContainText('8 MiB');
  });

  test('switching the vGPU vendor model reruns the scenario with that design', async ({ page }) => {
    await page.goto('/');
    await opened(page, 'vgpu-workload');
    await expect(page.getByTestId('vendor-view')).toContainText('2016 design: per-page-tree');
    await page.getByLabel('vGPU vendor', { exact: true }).selectOption('flat-array, pin-sparse, host IOMMU off');
    await expect(page.getByTestId('vendor-view')).toContainText('2016 design: flat-array', { timeout: 30_000 });
    await page.getByLabel('vGPU vendor', { exact: true }).selectOption('kvmgt (shipped), host IOMMU off');
    await expect(page.getByTestId('vendor-view')).toContainText('KVMGT gvt_dma cache', { timeout: 30_000 });
  });
});
