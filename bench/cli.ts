// The whole `vgpu-dma-sim run` of the 1 TiB guest on 2 MiB huge pages (MAP_DMA + UNMAP_DMA of all of it,
// half a million pin chunks, iommu_map and map_pages calls reported), its JSON written to a file as a user
// would (`> out.json`): wall time and peak RSS of the process, measured by /usr/bin/time, beside the same
// case run in this process without writing anything (the model's share).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { runFile } from '../src/model/engine/run';

const CLI = 'dist-cli/vgpu-dma-sim.mjs';
const INPUT = 'bench-results/tib-map-unmap.json';
const OUTPUT = 'bench-results/tib-map-unmap.out.json';
const TIME = '/usr/bin/time';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** The tib-hugepages preset cut to its first MAP_DMA and UNMAP_DMA. */
function input(): unknown {
  const doc = JSON.parse(readFileSync('public/scenarios/tib-hugepages.json', 'utf8')) as {
    cases: Array<{ steps: Array<{ op: string }> }>;
  };
  const steps = doc.cases[0]!.steps.slice(0, 2);
  if (steps.map((s) => s.op).join() !== 'MAP_DMA,UNMAP_DMA') throw new Error('tib-hugepages no longer starts MAP, UNMAP');
  return { ...doc, cases: [{ ...doc.cases[0], steps }] };
}

export function cliRun(runs: number) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build:cli\``);
  const doc = input();
  writeFileSync(INPUT, JSON.stringify(doc, null, 2));
  const timed = existsSync(TIME);
  const wall: number[] = [];
  const rss: number[] = [];
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    rmSync(OUTPUT, { force: true });
    const out = openSync(OUTPUT, 'w');
    const t0 = performance.now();
    const child = timed
      ? spawnSync(TIME, ['-f', '%e %M', process.execPath, CLI, 'run', INPUT], { stdio: ['ignore', out, 'pipe'] })
      : spawnSync(process.execPath, [CLI, 'run', INPUT], { stdio: ['ignore', out, 'pipe'] });
    const ms = performance.now() - t0;
    closeSync(out);
    if (child.status !== 0) throw new Error(`vgpu-dma-sim run failed: ${child.stderr.toString()}`);
    const [elapsed, kb] = child.stderr.toString().trim().split('\n').at(-1)!.split(' ').map(Number);
    wall.push(timed ? elapsed! * 1000 : ms);
    if (timed) rss.push(kb! * 1024);
    bytes = statSync(OUTPUT).size;
  }
  rmSync(OUTPUT, { force: true });
  const model: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    runFile(doc);
    model.push(performance.now() - t0);
  }
  return {
    label: '`vgpu-dma-sim run` of the 1 TiB guest on 2 MiB pages (MAP_DMA + UNMAP_DMA), output to a file',
    runs,
    median_ms: median(wall),
    min_ms: Math.min(...wall),
    max_ms: Math.max(...wall),
    peak_rss_bytes: rss.length ? Math.max(...rss) : null,
    output_bytes: bytes,
    model_only_median_ms: median(model),
  };
}
