// Doing things from the page: an op issued from the panel goes in after the current step, the steps
// after it run again, an errno comes back with the check that failed in plain words, and the edit can be
// undone (button and Ctrl+Z).
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { openModel, presetDoc } from './model';

const MAP = { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0x1000', size: '0x1001' };

/** The preset with one more step inserted after `after` steps. */
function edited(after: number, step: { op: string; args: Record<string, unknown> }) {
  const doc = structuredClone(presetDoc('vtd-basics.json')) as { cases: Array<{ steps: unknown[] }> };
  doc.cases[0]!.steps.splice(after, 0, step);
  return openModel(doc);
}

async function addMap(page: Page, args: typeof MAP = MAP): Promise<void> {
  await page.keyboard.press('n');
  await expect(page.locator('#op-choice')).toBeFocused();
  await page.locator('#op-choice').selectOption('MAP_DMA');
  const form = page.getByRole('form', { name: 'Add a step' });
  for (const f of args.flags) await form.getByLabel(f, { exact: true }).check();
  await form.locator('#arg-vaddr').fill(args.vaddr);
  await form.locator('#arg-iova').fill(args.iova);
  await form.locator('#arg-size').fill(args.size);
  await form.getByRole('button', { name: 'Add step' }).click();
}

test('an op that fails: its errno and the reason the model gives, then undone', async ({ page }) => {
  const base = openModel(presetDoc('vtd-basics.json'));
  const n = base.info.steps;
  const expected = edited(n, { op: 'MAP_DMA', args: MAP }).steps[n]!;
  expect(expected.ret).toBe('-EINVAL');
  expect(expected.reason).toBeTruthy();

  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 30_000 });
  await addMap(page);
  await expect(page.getByTestId('step-position')).toHaveText(`of ${n + 1}`);
  await expect(page.getByTestId(`step-${n}`).locator('.ret')).toHaveText('-EINVAL');
  await expect(page.getByTestId('step-reason')).toHaveText(expected.reason!);
  await expect(page.getByTestId('current-step')).toContainText('-EINVAL');

  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(page.getByTestId('step-position')).toHaveText(`of ${n}`);
  await expect(page.getByTestId(`step-${n}`)).toHaveCount(0);
  await expect(page.getByTestId(`step-${n - 1}`).locator('.op')).toHaveText(base.steps[n - 1]!.op);
});

test('a step inserted in the middle reruns the steps after it; Ctrl+Z puts them back', async ({ page }) => {
  const base = openModel(presetDoc('vtd-basics.json'));
  // The first MAP_DMA again, right after it: the iova range is taken.
  const first = (presetDoc('vtd-basics.json') as { cases: Array<{ steps: Array<{ args: unknown }> }> }).cases[0]!
    .steps[0]!.args as Record<string, string | string[]>;
  const again = edited(1, { op: 'MAP_DMA', args: first });
  expect(again.steps[1]!.ret).toBe('-EEXIST');

  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 30_000 });
  await page.getByTestId('step-0').getByRole('button').click();
  await expect(page.getByRole('slider', { name: 'Step' })).toHaveValue('1');
  await page.keyboard.press('n');
  await page.locator('#op-choice').selectOption('MAP_DMA');
  const form = page.getByRole('form', { name: 'Add a step' });
  for (const f of first.flags as string[]) await form.getByLabel(f, { exact: true }).check();
  for (const k of ['vaddr', 'iova', 'size']) await form.locator(`#arg-${k}`).fill(String(first[k]));
  await form.getByRole('button', { name: 'Add step' }).click();
  await expect(page.getByRole('slider', { name: 'Step' })).toHaveValue('2');
  await expect(page.getByTestId('step-1').locator('.ret')).toHaveText('-EEXIST');
  await expect(page.getByTestId('step-reason')).toHaveText(again.steps[1]!.reason!);
  for (const [i, s] of again.steps.entries())
    await expect(page.getByTestId(`step-${i}`).locator('.ret')).toHaveText(String(s.ret));

  await page.locator('body').press('Control+z');
  await expect(page.getByTestId('step-position')).toHaveText(`of ${base.info.steps}`);
  await expect(page.getByRole('slider', { name: 'Step' })).toHaveValue('1');
  for (const [i, s] of base.steps.entries()) {
    await expect(page.getByTestId(`step-${i}`).locator('.op')).toHaveText(s.op);
    await expect(page.getByTestId(`step-${i}`).locator('.ret')).toHaveText(String(s.ret));
  }
});

test('switching the kernel profile changes a wrapping MAP_DMA from -EOVERFLOW (6.18) to -EINVAL (6.15)', async ({
  page,
}) => {
  const wrap = { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0xfffffffffffff000', size: '0x2000' };
  const base = openModel(presetDoc('vtd-basics.json'));
  const n = base.info.steps;
  const doc = structuredClone(presetDoc('vtd-basics.json')) as { cases: Array<{ steps: unknown[]; kernel?: string }> };
  doc.cases[0]!.steps.push({ op: 'MAP_DMA', args: wrap });
  const under = (kernel: string) => {
    const d = structuredClone(doc);
    d.cases[0]!.kernel = kernel;
    return openModel(d).steps[n]!;
  };
  expect(under('6.18').ret).toBe('-EOVERFLOW');
  expect(under('6.15').ret).toBe('-EINVAL');

  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 30_000 });
  await page.getByLabel('Kernel', { exact: true }).selectOption('6.18');
  await expect(page.locator('#app-status')).toHaveText('Ready.');
  await addMap(page, wrap);
  await expect(page.getByTestId(`step-${n}`).locator('.ret')).toHaveText('-EOVERFLOW');
  await expect(page.getByTestId('step-reason')).toHaveText(under('6.18').reason!);
  // The path names each function with a link to its definition at the profile's tag.
  const links = page.getByTestId('step-path').getByRole('link');
  await expect(links.first()).toHaveAttribute('href', /^https:\/\/elixir\.bootlin\.com\/linux\/v6\.18\/ident\//);

  await page.getByLabel('Kernel', { exact: true }).selectOption('6.15');
  await expect(page.getByTestId(`step-${n}`).locator('.ret')).toHaveText('-EINVAL');
  await expect(page.getByTestId('step-reason')).toHaveText(under('6.15').reason!);
  await expect(links.first()).toHaveAttribute('href', /^https:\/\/elixir\.bootlin\.com\/linux\/v6\.15\/ident\//);
});
