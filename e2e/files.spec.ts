// Scenario files: saved from the page in the case format with "$schema", opened from the picker and by
// drag and drop; a file that is not a scenario gives a message and keeps the page.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

async function ready(page: Page): Promise<void> {
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
}

/** Drops a file with this text on the page, as a file manager would. */
async function drop(page: Page, name: string, text: string): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ([n, t]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([t], n, { type: 'application/json' }));
      return dt;
    },
    [name, text] as const,
  );
  await page.locator('.app').dispatchEvent('dragover', { dataTransfer });
  await page.locator('.app').dispatchEvent('drop', { dataTransfer });
}

test('Save writes the scenario with "$schema"; Open and a drop bring a file back', async ({ page }) => {
  await page.goto('/');
  await ready(page);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('vt-d-basics-superpages-follow-alignment.json');
  const saved = JSON.parse(readFileSync((await file.path())!, 'utf8')) as Record<string, unknown>;
  expect(saved.$schema).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/case\.schema\.json$/);
  const { $schema: _, ...rest } = saved;
  expect(rest).toEqual(JSON.parse(readFileSync('public/scenarios/vtd-basics.json', 'utf8')));
  // The schema it names is served.
  const schema = await page.request.get(saved.$schema as string);
  expect(schema.ok()).toBe(true);

  // Open: the hot-unplug preset from disk, through the file picker.
  await page.locator('#scenario-file').setInputFiles('public/scenarios/hot-unplug.json');
  await ready(page);
  await expect(page.getByLabel('Scenario')).toHaveValue('');
  await expect(page.getByLabel('Scenario').locator('option:checked')).toHaveText('hot-unplug.json');

  // Drop: the saved file, edited to one step fewer.
  const cases = (saved.cases as Array<{ steps: unknown[] }>).map((c) => ({ ...c, steps: c.steps.slice(0, 2) }));
  await drop(page, 'two-steps.json', JSON.stringify({ ...saved, cases }));
  await ready(page);
  await expect(page.getByLabel('Scenario').locator('option:checked')).toHaveText('two-steps.json');
  await expect(page.getByTestId('step-position')).toHaveText('of 2');

  // Not JSON, and not a scenario: a message each, the two-step scenario stays.
  await drop(page, 'notes.txt', 'hello');
  await expect(page.getByRole('alert')).toContainText('"notes.txt" is not JSON');
  await drop(page, 'other.json', JSON.stringify({ schema: 'something/else', cases: [] }));
  await expect(page.getByRole('alert')).toContainText('could not be run');
  await expect(page.locator('#app-status')).not.toHaveText(/Running|Loading/);
  await expect(page.getByTestId('step-position')).toHaveText('of 2');
});
