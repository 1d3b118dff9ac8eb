// `npm run bench`: medians of MAP_DMA + UNMAP_DMA at real guest sizes, the ratio against the naive
// page-by-page reference, and heap bytes per pin chunk. Run under `node --expose-gc` (scripts/bench.mjs).

import { asHva, asVfioIova } from '../src/model/addr';
import { vfioIommuType1MapDma } from '../src/model/vfio/map';
import { vfioIommuType1UnmapDma } from '../src/model/vfio/unmap';
import { GIB, guest, TIB, VADDR, type Backing } from './scenarios';
import { naiveMapUnmapMs } from './naive';
import { spawnSync } from 'node:child_process';
import { VGPU_BENCH_VENDORS, vgpuWorkloadMs } from './vgpu';
import { cliRun } from './cli';

const RW = 3;
const VGPU_OPERATIONS = 1_000_000;

// `bench.mjs vgpu N` times vendor N alone and prints its runs: each vendor model gets a fresh process, so
// neither the heap nor the type feedback left by the other benchmarks changes its numbers.
if (process.argv[2] === 'vgpu') {
  const v = VGPU_BENCH_VENDORS[Number(process.argv[3])]!;
  const runs = [1, 2, 3, 4, 5].map(() => vgpuWorkloadMs(v.vendor, VGPU_OPERATIONS));
  process.stdout.write(JSON.stringify(runs) + '\n');
  process.exit(0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** One MAP_DMA + UNMAP_DMA of the whole guest at iova 0, timed; the guest is built outside the timing. */
function mapUnmapMs(size: bigint, backing: Backing): { ms: number; chunks: number } {
  const sim = guest(size, backing);
  const t0 = performance.now();
  sim.iommu.beginStep();
  const ret = vfioIommuType1MapDma(sim.iommu, {
    argsz: 32,
    flags: RW,
    vaddr: asHva(VADDR),
    iova: asVfioIova(0n),
    size,
  });
  const chunks = sim.iommu.trace.pinChunks.length;
  sim.iommu.beginStep();
  const un = vfioIommuType1UnmapDma(sim.iommu, {
    argsz: 24,
    flags: 0,
    iova: asVfioIova(0n),
    size,
    bitmapPgsize: 0n,
    bitmapSize: 0n,
  });
  const ms = performance.now() - t0;
  if (ret !== 0 || un.ret !== 0 || un.size !== size)
    throw new Error(`bench scenario failed: map ${ret}, unmap ${un.ret}`);
  return { ms, chunks };
}

function timed(label: string, runs: number, f: () => { ms: number; chunks?: number }) {
  f();
  const samples: number[] = [];
  let chunks = 0;
  for (let i = 0; i < runs; i++) {
    const r = f();
    samples.push(r.ms);
    chunks = r.chunks ?? chunks;
  }
  return {
    label,
    runs,
    median_ms: median(samples),
    min_ms: Math.min(...samples),
    max_ms: Math.max(...samples),
    chunks,
  };
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Retained memory: heapUsed plus ArrayBuffer stores (page-table pages are Float64Arrays), after gc(). */
function retained(): number {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Memory the mapped guest retains: measured with the guest mapped, minus the same guest before MAP_DMA. */
function heapPerChunk(size: bigint, backing: Backing) {
  if (!gc) throw new Error('run under node --expose-gc (npm run bench does)');
  const sim = guest(size, backing);
  sim.iommu.beginStep();
  const before = retained();
  vfioIommuType1MapDma(sim.iommu, { argsz: 32, flags: RW, vaddr: asHva(VADDR), iova: asVfioIova(0n), size });
  const chunks = sim.iommu.trace.pinChunks.length;
  sim.iommu.beginStep();
  const bytes = retained() - before;
  return {
    label: `${Number(size / GIB)} GiB, ${backing}`,
    chunks,
    pages: Number(size >> 12n),
    bytes,
    bytes_per_chunk: Math.round(bytes / chunks),
  };
}

function vgpuIsolated(index: number, label: string) {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, 'vgpu', String(index)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (child.status !== 0) throw new Error(`the vGPU benchmark for ${label} failed`);
  const runs = JSON.parse(child.stdout) as ReturnType<typeof vgpuWorkloadMs>[];
  return {
    label: `${label}: 1,000,000 guest-page map/unmap operations over 64 GiB (pin-sparse, host IOMMU on)`,
    runs: runs.length,
    median_ms: median(runs.map((r) => r.ms)),
    min_ms: Math.min(...runs.map((r) => r.ms)),
    max_ms: Math.max(...runs.map((r) => r.ms)),
    peak_bytes: Math.max(...runs.map((r) => r.peakHeap)),
    maps: runs[0]!.maps,
    unmaps: runs[0]!.unmaps,
  };
}

const results = {
  machine: {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: (await import('node:os')).cpus()[0]?.model ?? '?',
  },
  timings: [
    timed('1 TiB, contiguous 1 GiB-aligned memory (1G leaves)', 21, () => mapUnmapMs(TIB, 'contiguous')),
    timed('1 TiB, 2 MiB huge pages (524,288 chunks)', 7, () => mapUnmapMs(TIB, 'hugepages-2M')),
    timed('1 GiB, contiguous memory, model', 21, () => mapUnmapMs(GIB, 'contiguous')),
    timed('1 GiB, contiguous memory, naive page-by-page reference', 5, () => ({
      ms: naiveMapUnmapMs(GIB, 'contiguous'),
    })),
    timed('1 GiB, every page its own chunk (stride 2), model', 7, () => mapUnmapMs(GIB, 'stride')),
    timed('1 GiB, every page its own chunk (stride 2), naive reference', 5, () => ({
      ms: naiveMapUnmapMs(GIB, 'stride'),
    })),
  ],
  cli: cliRun(7),
  vgpu: VGPU_BENCH_VENDORS.map((v, i) => vgpuIsolated(i, v.label)),
  heap: [
    heapPerChunk(GIB, 'stride'),
    heapPerChunk(4n * GIB, 'stride'),
    heapPerChunk(64n * GIB, 'hugepages-2M'),
    heapPerChunk(256n * GIB, 'hugepages-2M'),
    heapPerChunk(256n * GIB, 'contiguous'),
  ],
};
process.stdout.write(JSON.stringify(results, null, 2) + '\n');
