// The page under hostile input and a failing worker: a clear message, the previous results kept, a page
// that still works afterwards, and nothing on the console.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

/** A scenario the preset list names, served instead of the real mdev-pin preset. */
async function serveAsMdevPin(page: Page, scenario: unknown): Promise<void> {
  await page.route('**/scenarios/mdev-pin.json', (route) =>
    route.fulfill({ contentType: 'application/json', body: JSON.stringify(scenario) }),
  );
}

const longWorkload = {
  schema: 'vfio-type1-conformance/1',
  cases: [
    {
      id: 'long',
      env: {
        groups: [{ kind: 'emulated', id: 'vgpu0' }],
        process: { rlimit_memlock_bytes: '0x100000000' },
        memory: [{ name: 'RAM', vaddr: '0x7f0000000000', size: '0x40000000', first_pfn: '0x100000' }],
        vendor: { kind: 'kvmgt', host_iommu: 'dma' },
      },
      steps: [
        { op: 'MAP_DMA', args: { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0x0', size: '0x40000000' } },
        { op: 'VGPU_WORKLOAD', args: { pattern: 'random', ops: 10000000, span: 262144, resident: 4096 } },
      ],
    },
  ],
};

async function firstPresetShown(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 30_000 });
  await expect(page.getByTestId('step-2').locator('.op')).toHaveText('UNMAP_DMA');
}

/** The vtd-basics preset is still the one shown. */
async function stillFirstPreset(page: Page): Promise<void> {
  await expect(page.getByLabel('Scenario')).toHaveValue('vtd-basics');
  await expect(page.getByTestId('step-2').locator('.op')).toHaveText('UNMAP_DMA');
  await expect(page.getByTestId('step-position')).toHaveText('of 3');
}

test('a hostile scenario gives a clear message and keeps the previous results', async ({ page }) => {
  await serveAsMdevPin(page, {
    schema: 'vfio-type1-conformance/1',
    environments: { x: { memory: [] } },
    cases: [{ id: 'a', env: 'x', steps: [] }, { id: 'a', steps: [] }, { constructor: { prototype: 1 } }],
  });
  await firstPresetShown(page);
  await page.getByLabel('Scenario').selectOption('mdev-pin');
  await expect(page.getByRole('alert')).toContainText('the key "constructor" is not allowed');
  await stillFirstPreset(page);
  // The page still steps through what it shows.
  await page.locator('body').press('Home');
  await expect(page.getByRole('slider', { name: 'Step' })).toHaveValue('0');
});

test('a worker killed mid-run is noticed and replaced; the page keeps working', async ({ page }) => {
  test.setTimeout(90_000);
  await serveAsMdevPin(page, longWorkload);
  // Chrome's DevTools protocol reaches the worker: terminate the script it is running, then close it.
  const cdp = await page.context().newCDPSession(page);
  const workers: string[] = [];
  cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
    if (e.targetInfo.type === 'worker') workers.push(e.sessionId);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await firstPresetShown(page);
  await page.getByLabel('Scenario').selectOption('mdev-pin');
  await expect(page.locator('#app-status')).toHaveText(/Running/);
  await page.waitForTimeout(1000);
  const target = workers.at(-1)!;
  for (const [id, method] of [
    [1, 'Runtime.terminateExecution'],
    [2, 'Runtime.evaluate'],
  ] as const) {
    await cdp.send('Target.sendMessageToTarget', {
      sessionId: target,
      message: JSON.stringify({ id, method, params: method === 'Runtime.evaluate' ? { expression: 'close()' } : {} }),
    });
  }
  await expect(page.getByRole('alert')).toContainText('stopped answering', { timeout: 30_000 });
  await expect(page.getByRole('alert')).toContainText('A new worker has been started');
  await stillFirstPreset(page);
  // The new worker holds the scenario shown (it steps) and runs the next request.
  await page.locator('body').press('Home');
  await expect(page.getByRole('slider', { name: 'Step' })).toHaveValue('0');
  await expect(page.getByTestId('translation-map').locator('canvas')).toHaveAttribute('data-step', '0');
  await page.unroute('**/scenarios/mdev-pin.json');
  await page.getByLabel('Scenario').selectOption('vgpu-2m');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 30_000 });
  await expect(page.getByTestId('vendor-view')).toContainText('KVMGT gvt_dma cache');
});

test('a worker script that does not load gives a message, not an endless "Running…"', async ({
  page,
  allowConsoleError,
}) => {
  // The browser reports the failed load of the worker script: that is what this test causes.
  allowConsoleError(/404|Failed to load|sim\.worker/);
  await page.route(/sim\.worker/, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.goto('/');
  // The page's message (the op panel also says it could not read the op list).
  await expect(page.locator('.message [role=alert]')).toContainText('the simulation worker could not be started', {
    timeout: 20_000,
  });
  await expect(page.locator('#app-status')).toHaveText('Error.');
});
