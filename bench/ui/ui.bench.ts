// `npm run bench:ui`: the page, built for production, in Debian's Chromium, timed by the marks the page
// itself leaves: `vgpu:seek` when a key moves the cursor, `vgpu:frame` (with the step it shows and the
// script time it took) when the map has drawn, `vgpu:reply` (with the bytes copied outside the transfer
// list) for every worker message. Heaps come from the DevTools protocol (Runtime.getHeapUsage) of the page
// and of the simulation worker. Results go to bench-results/ui.json and the console.
import { expect, test, type CDPSession, type Page } from '@playwright/test';
import { readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tenThousandSteps, tibSmallSteps } from './scenarios';

interface Mark {
  name: string;
  startTime: number;
  detail: unknown;
}

const results: Record<string, unknown> = {};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

/** The presets plus the benchmark's own scenarios, served as if they were presets. */
async function serve(page: Page): Promise<void> {
  const index = JSON.parse(readFileSync('public/scenarios/index.json', 'utf8')) as { presets: unknown[] };
  const extra = {
    'bench-tib-16g.json': tibSmallSteps(),
    'bench-ten-thousand.json': tenThousandSteps(),
  };
  await page.route('**/scenarios/index.json', (r) =>
    r.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({
        presets: [
          ...index.presets,
          { id: 'bench-tib-16g', title: 'bench: 1 TiB in 16 GiB mappings', file: 'bench-tib-16g.json' },
          { id: 'bench-ten-thousand', title: 'bench: 10,000 steps over 64 GiB', file: 'bench-ten-thousand.json' },
        ],
      }),
    }),
  );
  for (const [file, doc] of Object.entries(extra))
    await page.route(`**/scenarios/${file}`, (r) =>
      r.fulfill({ contentType: 'application/json', body: JSON.stringify(doc) }),
    );
}

async function open(page: Page, preset: string): Promise<void> {
  await page.getByLabel('Scenario', { exact: true }).selectOption(preset);
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 120_000 });
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', /\d+/);
}

const marks = (page: Page, name: string): Promise<Mark[]> =>
  page.evaluate(
    (n) =>
      performance.getEntriesByName(n, 'mark').map((m) => ({
        name: m.name,
        startTime: m.startTime,
        detail: (m as PerformanceMark).detail as unknown,
      })),
    name,
  );

/** Presses a key that moves to `step` and returns the time from the key's seek to the frame showing it. */
async function keyToFrame(page: Page, key: string, step: number): Promise<number> {
  const before = (await marks(page, 'vgpu:seek')).length;
  await page.keyboard.press(key);
  const handle = await page.waitForFunction(
    ([n, s]) => {
      const seeks = performance.getEntriesByName('vgpu:seek', 'mark');
      if (seeks.length <= n) return null;
      const t0 = seeks[seeks.length - 1]!.startTime;
      const frame = performance
        .getEntriesByName('vgpu:frame', 'mark')
        .find((f) => f.startTime >= t0 && ((f as PerformanceMark).detail as { step: number | null }).step === s);
      return frame ? frame.startTime - t0 : null;
    },
    [before, step] as const,
    { timeout: 60_000, polling: 'raf' },
  );
  return (await handle.jsonValue()) as number;
}

async function stepTo(page: Page, n: number): Promise<void> {
  await page.locator('#jump-to').fill(String(n));
  await page.locator('#jump-to').press('Enter');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', String(n), { timeout: 60_000 });
}

/**
 * Heap used by the page and by every worker, through the DevTools protocol: the JS heap plus the backing
 * stores of ArrayBuffers (where the typed arrays of a 1 TiB state live), after a collection.
 */
async function heaps(page: Page, cdp: CDPSession, workers: string[]): Promise<{ page: number; workers: number }> {
  await cdp.send('HeapProfiler.collectGarbage');
  type Usage = { usedSize: number; backingStorageSize?: number };
  const total = (u: Usage | undefined) => (u ? u.usedSize + (u.backingStorageSize ?? 0) : 0);
  const main = (await cdp.send('Runtime.getHeapUsage')) as Usage;
  let inWorkers = 0;
  for (const sessionId of workers) {
    const reply = new Promise<number>((resolve) => {
      const on = (e: { sessionId: string; message: string }) => {
        const m = JSON.parse(e.message) as { id?: number; result?: Usage };
        if (e.sessionId === sessionId && m.id === 2) {
          cdp.off('Target.receivedMessageFromTarget', on);
          resolve(total(m.result));
        }
      };
      cdp.on('Target.receivedMessageFromTarget', on);
    });
    for (const [id, method] of [
      [1, 'HeapProfiler.collectGarbage'],
      [2, 'Runtime.getHeapUsage'],
    ] as const)
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) });
    inWorkers += await reply;
  }
  void page;
  return { page: total(main), workers: inWorkers };
}

test.describe.configure({ mode: 'serial' });

test('UI benchmark', async ({ page }) => {
  test.setTimeout(30 * 60_000);
  await serve(page);
  const cdp = await page.context().newCDPSession(page);
  const workers: string[] = [];
  cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
    if (e.targetInfo.type === 'worker') workers.push(e.sessionId);
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await page.goto('/');
  await expect(page.locator('#app-status')).toHaveText('Ready.', { timeout: 60_000 });

  // The largest worker message of each preset: open it and walk every step.
  const presets = (
    JSON.parse(readFileSync('public/scenarios/index.json', 'utf8')) as { presets: Array<{ id: string }> }
  ).presets;
  const largest: Record<string, number> = {};
  for (const p of presets) {
    await page.evaluate(() => performance.clearMarks());
    await open(page, p.id);
    await page.keyboard.press('Home');
    const n = Number((await page.getByTestId('step-position').textContent())!.replace(/\D+/g, ''));
    for (let k = 1; k <= n; k++) {
      await page.keyboard.press('ArrowRight');
      await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', String(k), { timeout: 60_000 });
    }
    const replies = await marks(page, 'vgpu:reply');
    largest[p.id] = Math.max(...replies.map((m) => (m.detail as { cloned: number }).cloned));
  }
  results.largest_message_bytes_by_preset = largest;

  // The 1 TiB MAP_DMA itself (524,288 chunks): from the environment as built to step 1, five times.
  await open(page, 'tib-hugepages');
  const tibMap: number[] = [];
  for (let r = 0; r < 5; r++) {
    await page.keyboard.press('Home');
    await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '0', { timeout: 60_000 });
    tibMap.push(await keyToFrame(page, 'ArrowRight', 1));
  }
  results.key_to_frame_tib_map_ms = { runs: tibMap.length, median: median(tibMap), max: Math.max(...tibMap) };

  // Steps that change 8,192 chunks each on the 1 TiB guest: every step forward, then back.
  await open(page, 'bench-tib-16g');
  await page.keyboard.press('Home');
  await expect(page.locator('#map-canvas')).toHaveAttribute('data-step', '0', { timeout: 60_000 });
  const small: number[] = [];
  const steps = 104;
  for (let k = 1; k <= steps; k++) small.push(await keyToFrame(page, 'ArrowRight', k));
  for (let k = steps - 1; k >= steps - 40; k--) small.push(await keyToFrame(page, 'ArrowLeft', k));
  results.key_to_frame_small_steps_ms = {
    runs: small.length,
    median: median(small),
    p95: pct(small, 0.95),
    max: Math.max(...small),
  };
  const tibHeap = await heaps(page, cdp, workers);

  // Pan and zoom on the 1 TiB map: wheel zooms and drags, script time of every frame drawn meanwhile.
  await page.evaluate(() => performance.clearMarks('vgpu:frame'));
  const box = (await page.locator('#map-canvas').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 30);
  for (let r = 0; r < 40; r++) {
    await page.mouse.wheel(0, r < 20 ? -240 : 240);
    await page.waitForTimeout(16);
  }
  for (let r = 0; r < 10; r++) {
    await page.mouse.move(box.x + box.width / 2, box.y + 30);
    await page.mouse.down();
    for (let s = 0; s < 10; s++) await page.mouse.move(box.x + box.width / 2 + (r % 2 ? -1 : 1) * 20 * s, box.y + 30);
    await page.mouse.up();
  }
  await page.waitForTimeout(100);
  const frames = (await marks(page, 'vgpu:frame')).map((m) => (m.detail as { script: number }).script);
  results.pan_zoom_script_ms = {
    frames: frames.length,
    median: median(frames),
    p95: pct(frames, 0.95),
    max: Math.max(...frames),
  };

  // Jump to any step of a 10,000-step case over 64 GiB.
  await open(page, 'bench-ten-thousand');
  const jumps: number[] = [];
  let seed = 99;
  for (let r = 0; r < 30; r++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const n = 1 + (seed % 10000);
    await page.locator('#jump-to').fill(String(n));
    const before = (await marks(page, 'vgpu:seek')).length;
    await page.locator('#jump-to').press('Enter');
    const t = await page.waitForFunction(
      ([count, s]) => {
        const seeks = performance.getEntriesByName('vgpu:seek', 'mark');
        if (seeks.length <= count) return null;
        const t0 = seeks[seeks.length - 1]!.startTime;
        const f = performance
          .getEntriesByName('vgpu:frame', 'mark')
          .find((x) => x.startTime >= t0 && ((x as PerformanceMark).detail as { step: number | null }).step === s);
        return f ? f.startTime - t0 : null;
      },
      [before, n] as const,
      { timeout: 60_000, polling: 'raf' },
    );
    jumps.push((await t.jsonValue()) as number);
  }
  results.jump_10000_steps_ms = {
    runs: jumps.length,
    median: median(jumps),
    p95: pct(jumps, 0.95),
    max: Math.max(...jumps),
  };
  await stepTo(page, 10000);
  const tenHeap = await heaps(page, cdp, workers);

  const all = await marks(page, 'vgpu:reply');
  results.largest_message_bytes = Math.max(
    ...Object.values(largest),
    ...all.map((m) => (m.detail as { cloned: number }).cloned),
  );
  results.heap_bytes = {
    tib_16g: tibHeap,
    ten_thousand: tenHeap,
    max_total: Math.max(tibHeap.page + tibHeap.workers, tenHeap.page + tenHeap.workers),
  };

  // What the page downloads: every file of the production build, raw and gzip.
  const files = readdirSync('dist/assets').filter((f) => /\.(js|css)$/.test(f));
  results.bundle = files.map((f) => {
    const bytes = readFileSync(`dist/assets/${f}`);
    return { file: f, bytes: statSync(`dist/assets/${f}`).size, gzip: gzipSync(bytes).length };
  });

  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/ui.json', JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
});
