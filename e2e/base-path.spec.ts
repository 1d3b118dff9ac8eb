// The production build works from any path it is published under: served here from /some/sub/path/,
// the page loads, opens its presets and its worker, and a share link made there opens there.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { expect, test } from './fixtures';

const BASE = '/some/sub/path/';
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

let server: Server;
let origin = '';

test.beforeAll(async () => {
  // dist/ is the build the other specs' server was started from (npm run build).
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(BASE)) {
      res.writeHead(404).end();
      return;
    }
    const rel = normalize(path.slice(BASE.length) || 'index.html');
    if (rel.startsWith('..')) {
      res.writeHead(403).end();
      return;
    }
    readFile(join('dist', rel))
      .then((body) =>
        res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(body),
      )
      .catch(() => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  origin = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('the build served from a sub-path loads, runs presets and opens its own links', async ({ page }) => {
  await page.goto(origin + BASE);
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '3');
  await page.getByLabel('Scenario', { exact: true }).selectOption('hot-unplug');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });
  await page.keyboard.press('Home');
  await page.getByRole('button', { name: 'Copy link' }).click();
  await expect(page).toHaveURL(/#s=1\./);
  expect(page.url().startsWith(origin + BASE + '#s=1.')).toBe(true);
  const other = await page.context().newPage();
  await other.goto(page.url());
  await expect(other.locator('#map-canvas')).toHaveAttribute('data-step', '0', { timeout: 60_000 });
  await other.close();
});
