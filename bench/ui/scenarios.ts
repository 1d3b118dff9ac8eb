// The scenarios the UI benchmark loads besides the presets: the 1 TiB guest mapped as 64 mappings of
// 16 GiB that are unmapped and mapped again one at a time (every step changes 8,192 chunks), and a
// 10,000-step case over a 64 GiB guest (one 2 MiB MAP_DMA per step, in shuffled order).
import { readFileSync } from 'node:fs';

const GIB = 1n << 30n;
const VADDR = 0x7f0000000000n;
const hex = (n: bigint) => '0x' + n.toString(16);

const tibEnv = () =>
  (JSON.parse(readFileSync('public/scenarios/tib-hugepages.json', 'utf8')) as { environments: unknown })
    .environments;

const map = (off: bigint, size: bigint) => ({
  op: 'MAP_DMA',
  args: { flags: ['READ', 'WRITE'], vaddr: hex(VADDR + off), iova: hex(off), size: hex(size) },
});
const unmap = (off: bigint, size: bigint) => ({ op: 'UNMAP_DMA', args: { iova: hex(off), size: hex(size) } });

/** 64 MAP_DMAs of 16 GiB, then 20 times one of them unmapped and mapped again. */
export function tibSmallSteps(): unknown {
  const slot = 16n * GIB;
  const steps: unknown[] = [];
  for (let k = 0n; k < 64n; k++) steps.push(map(k * slot, slot));
  for (let r = 0; r < 20; r++) {
    const k = BigInt((r * 37) % 64);
    steps.push(unmap(k * slot, slot), map(k * slot, slot));
  }
  return {
    schema: 'vfio-type1-conformance/1',
    title: '1 TiB in 16 GiB mappings',
    environments: tibEnv(),
    cases: [{ id: 'tib-16g', env: 'big', steps }],
  };
}

/** 10,000 MAP_DMAs of 2 MiB over a 64 GiB guest on 2 MiB huge pages, in a seeded shuffled order. */
export function tenThousandSteps(): unknown {
  const slots = 32768;
  const order = Array.from({ length: slots }, (_, i) => i);
  let seed = 12345;
  for (let i = slots - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const two = 2n << 20n;
  return {
    schema: 'vfio-type1-conformance/1',
    title: '10,000 steps over 64 GiB',
    cases: [
      {
        id: 'ten-thousand',
        env: {
          groups: [{ kind: 'iommu', id: 'gpu0', levels: 4, gaw_bits: 48, superpage_support: 2, snoop_control: false }],
          process: { rlimit_memlock_bytes: hex(128n * GIB) },
          memory: [
            {
              name: 'guest RAM',
              vaddr: hex(VADDR),
              size: hex(64n * GIB),
              backing: 'ram',
              layout: 'hugepages',
              hugepage: '2M',
              seed: 7,
              first_pfn: '0x40000000',
            },
          ],
        },
        steps: order.slice(0, 10000).map((s) => map(BigInt(s) * two, two)),
      },
    ],
  };
}
