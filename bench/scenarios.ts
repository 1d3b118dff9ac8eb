// The guests the benchmark maps: one environment per backing, built through the same schema and
// buildSim the runner uses, so the benchmark measures the real engine.

import { RunTally, WorkBudget } from '../src/model/budget';
import { buildSim } from '../src/model/engine/env';
import type { Sim } from '../src/model/engine/sim';
import { parseProfile } from '../src/model/profile';
import { environment } from '../src/model/scenario/schema';

export const GIB = 1n << 30n;
export const TIB = 1n << 40n;
export const VADDR = 0x7f0000000000n;
/** 1 GiB-aligned host memory, high enough that stride layouts stay clear of everything else. */
export const FIRST_PFN = 0x40000000;

export type Backing = 'contiguous' | 'stride' | 'hugepages-2M' | 'fragmented';

export function guest(size: bigint, backing: Backing): Sim {
  const layout =
    backing === 'contiguous'
      ? { layout: 'contiguous' }
      : backing === 'stride'
        ? { layout: 'stride', stride: 2 }
        : backing === 'hugepages-2M'
          ? { layout: 'hugepages', hugepage: '2M', seed: 1 }
          : { layout: 'fragmented', seed: 1 };
  const env = environment.parse({
    groups: [{ kind: 'iommu', levels: 4, gaw_bits: 48, superpage_support: 2 }],
    process: { rlimit_memlock_bytes: '0x' + (size * 2n).toString(16) },
    memory: [
      {
        name: 'guest',
        vaddr: '0x' + VADDR.toString(16),
        size: '0x' + size.toString(16),
        backing: 'ram',
        first_pfn: '0x' + FIRST_PFN.toString(16),
        ...layout,
      },
    ],
  });
  return buildSim(env, parseProfile('6.18'), new WorkBudget(2 ** 30, new RunTally(Infinity)));
}
