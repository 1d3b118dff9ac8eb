// 1,000,000 guest-page map/unmap operations over a 64 GiB guest for each vGPU vendor model (pin-sparse,
// host IOMMU on): the time the model takes and the heap it peaks at.

import { asHva, asVfioIova } from '../src/model/addr';
import { RunTally, WorkBudget } from '../src/model/budget';
import { buildSim } from '../src/model/engine/env';
import { vfioIommuType1MapDma } from '../src/model/vfio/map';
import { parseProfile } from '../src/model/profile';
import { environment } from '../src/model/scenario/schema';
import { runWorkload } from '../src/model/mdev/run-workload';
import type { VgpuDriver } from '../src/model/mdev/vgpu';

export const VGPU_BENCH_VENDORS = [
  { label: 'kvmgt (shipped)', vendor: { kind: 'kvmgt', host_iommu: 'dma' } },
  ...(['per-page-tree', 'iova-range', 'region-table', 'flat-array'] as const).map((strategy) => ({
    label: strategy,
    vendor: { kind: 'tracking', strategy, policy: 'pin-sparse', host_iommu: 'dma' },
  })),
];

const GUEST = 64n << 30n;

/** Builds the guest, maps its RAM at iova == gpa, then times `operations` maps plus unmaps of a random workload. */
export function vgpuWorkloadMs(
  vendor: Record<string, string>,
  operations: number,
): { ms: number; peakHeap: number; maps: number; unmaps: number } {
  const env = environment.parse({
    groups: [{ kind: 'emulated', id: 'vgpu0' }],
    process: { rlimit_memlock_bytes: '0x' + GUEST.toString(16) },
    memory: [
      {
        name: 'guest RAM',
        vaddr: '0x7f0000000000',
        size: '0x' + GUEST.toString(16),
        layout: 'hugepages',
        hugepage: '2M',
        seed: 1,
        first_pfn: '0x1000000',
      },
    ],
    vendor,
  });
  const sim = buildSim(env, parseProfile('6.18'), new WorkBudget(2 ** 30, new RunTally(Infinity)));
  sim.iommu.beginStep();
  if (
    vfioIommuType1MapDma(sim.iommu, {
      argsz: 32,
      flags: 3,
      vaddr: asHva(0x7f0000000000n),
      iova: asVfioIova(0n),
      size: GUEST,
    }) !== 0
  )
    throw new Error('MAP_DMA failed');
  const driver = (sim.tracking ?? sim.kvmgt) as VgpuDriver;
  sim.iommu.beginStep();
  // Start from a collected heap, so a run does not pay for the garbage the previous run left.
  (globalThis as { gc?: () => void }).gc?.();
  const t0 = performance.now();
  const r = runWorkload(sim, driver, {
    pattern: 'random',
    pageSize: '4K',
    ops: 10 * operations,
    maxOperations: operations,
    fromGfn: 0,
    span: Number(GUEST >> 12n),
    resident: 65536,
    seed: 1,
  });
  const ms = performance.now() - t0;
  // Measured right after the run, before anything is collected: the state plus the run's garbage.
  const m = process.memoryUsage();
  const peakHeap = m.heapUsed + m.arrayBuffers;
  if (r.errors) throw new Error(`${r.errors} accesses failed`);
  if (r.maps + r.unmaps !== operations) throw new Error(`the workload ended after ${r.maps + r.unmaps} operations`);
  return { ms, peakHeap, maps: r.maps, unmaps: r.unmaps };
}
