// Two runs of one case side by side: the iova tour under 6.18 and 4.10, where the allocator's second
// search pass (from 5.11) lets step 6 succeed on one kernel and fail on the other.
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';

test('the Compare tab runs one case under two kernels and marks the steps that differ', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.getByLabel('Scenario', { exact: true }).selectOption('tour-iova');
  await expect(page.getByTestId('step-position')).toHaveText('of 8');
  await page.getByRole('tab', { name: 'Compare', exact: true }).click();
  // A: the case's own profile (6.18); B: 4.10.
  await page.locator('#run-B-kernel').selectOption('4.10');
  const summary = page.getByTestId('two-runs-summary');
  await expect(summary).toContainText('steps differ (A on 6.18, B on 4.10)', { timeout: 30_000 });
  const six = page.getByTestId('two-runs-6');
  await expect(six).toHaveClass(/differs/);
  await expect(six).toContainText('alloc_iova gave pfns 0xffffc–0xffffe (3 pages)');
  await expect(six).toContainText('alloc_iova returned NULL for 3 pages');
  await expect(six.locator('td').last()).toContainText('pfn_lo');
  // Steps that agree say so, and the filter hides them.
  // RESERVE_IOVA does the same on both kernels.
  await expect(page.getByTestId('two-runs-3').locator('td').last()).toHaveText('same');
  await page.getByLabel('Only the steps that differ').check();
  const shown = await page.locator('table.two-runs-table tbody tr').count();
  const differing = Number(/^(\d+) of 8/.exec((await summary.textContent()) ?? '')?.[1]);
  expect(shown).toBe(differing);
  const axe = await new AxeBuilder({ page }).include('.two-runs').analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  // A step number opens that step in Step through.
  await six.getByRole('button', { name: '6' }).click();
  await expect(page.getByRole('tab', { name: 'Step through' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#jump-to')).toHaveAttribute('placeholder', '6');
});
