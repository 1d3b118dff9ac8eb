// `npm run bench`: bundles bench/main.ts (Node 20 runs no TypeScript) and runs it under --expose-gc so
// heap figures are taken after a full collection. Writes bench-results/latest.json and prints it.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';

mkdirSync('bench-results', { recursive: true });
// The CLI benchmark runs the built runner, as a user does.
if (spawnSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit' }).status !== 0) process.exit(1);
await build({
  entryPoints: ['bench/main.ts'],
  outfile: 'bench-results/bench.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', 'bench-results/bench.mjs'], {
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync('bench-results/latest.json', r.stdout);
const res = JSON.parse(r.stdout);
console.log(`machine: ${res.machine.cpus}, ${res.machine.platform}, Node ${res.machine.node}`);
const ms = (x) => (x < 1 ? x.toFixed(3) : x.toFixed(1));
for (const t of res.timings) {
  console.log(
    `${ms(t.median_ms).padStart(9)} ms median  (${t.runs} runs, ${ms(t.min_ms)}–${ms(t.max_ms)})  ${t.label}`,
  );
}
const med = (label) => res.timings.find((t) => t.label.startsWith(label)).median_ms;
for (const kind of ['contiguous memory', 'every page its own chunk (stride 2)']) {
  const ratio = med(`1 GiB, ${kind}, naive`) / med(`1 GiB, ${kind}, model`);
  console.log(`${ratio.toFixed(1).padStart(9)} ×  naive reference / model at 1 GiB, ${kind}`);
}
{
  const c = res.cli;
  const rss = c.peak_rss_bytes === null ? 'RSS not measured (no /usr/bin/time)' : `${(c.peak_rss_bytes / 1e6).toFixed(0)} MB peak RSS`;
  console.log(
    `${ms(c.median_ms).padStart(9)} ms median  (${c.runs} runs, ${ms(c.min_ms)}–${ms(c.max_ms)}), ${rss}, ${(c.output_bytes / 1e6).toFixed(0)} MB written, model alone ${ms(c.model_only_median_ms)} ms  ${c.label}`,
  );
}
for (const v of res.vgpu) {
  console.log(
    `${ms(v.median_ms).padStart(9)} ms median  (${v.runs} runs, ${ms(v.min_ms)}–${ms(v.max_ms)}), ${(v.peak_bytes / 1e6).toFixed(0)} MB heap+buffers, ${v.maps} maps + ${v.unmaps} unmaps  ${v.label}`,
  );
}
for (const h of res.heap) {
  console.log(
    `${String(h.bytes_per_chunk).padStart(9)} B/chunk  ${h.label}: ${h.chunks} chunks, ${h.pages} pages, ${h.bytes} bytes retained`,
  );
}
