// The test object every spec uses: errors on the browser console and uncaught page errors fail the test
// (they are bugs), unless the test itself provokes one and says which.
import { expect, test as base } from '@playwright/test';

export const test = base.extend<{ allowConsoleError: (pattern: RegExp) => void }>({
  allowConsoleError: [
    async ({ page }, use) => {
      const problems: string[] = [];
      const allowed: RegExp[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' && !allowed.some((a) => a.test(m.text()))) problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      await use((pattern) => allowed.push(pattern));
      expect(problems).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
