// `node bench/fresh-memory.mjs`: what a new Float64Array costs, written once, by size, in Node and in
// Debian's Chromium (the page's main thread and a worker). Why src/model/lib/scratch.ts reuses arrays:
// on a VM that hands freed memory back to its host, Chromium's fresh pages cost far more than Node's.
import { chromium } from '@playwright/test';

function measure() {
  const out = {};
  let keep = 0;
  for (const n of [512, 2048, 16384, 65536, 262144]) {
    const runs = Math.max(50, Math.floor(4e6 / n));
    const t = performance.now();
    for (let r = 0; r < runs; r++) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i += 512) a[i] = i;
      keep += a[0];
    }
    out[`${(n * 8) / 1024} KiB`] = Number((((performance.now() - t) / runs) * 1000).toFixed(1));
  }
  return keep >= 0 ? out : null;
}

const src = `(${measure.toString()})()`;
console.log('µs per new array, touched once per 4 KiB page');
console.log('Node           ', JSON.stringify(measure()));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' });
const page = await browser.newPage();
console.log('Chromium page  ', JSON.stringify(await page.evaluate(src)));
const inWorker = await page.evaluate(
  (code) =>
    new Promise((resolve) => {
      const w = new Worker(URL.createObjectURL(new Blob([`postMessage(${code})`], { type: 'text/javascript' })));
      w.onmessage = (e) => resolve(e.data);
    }),
  src,
);
console.log('Chromium worker', JSON.stringify(inWorker));
await browser.close();
