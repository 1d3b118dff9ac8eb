// The naive page-by-page reference (src/testing/reference-type1.ts) on the same guests, for the ratio
// the benchmark reports: what modelling extents instead of pages buys.

import { ReferenceType1 } from '../src/testing/reference-type1';
import { FIRST_PFN, VADDR, type Backing } from './scenarios';

export function naiveMapUnmapMs(size: bigint, backing: Extract<Backing, 'contiguous' | 'stride'>): number {
  const npages = Number(size >> 12n);
  const ref = new ReferenceType1({
    regions: [
      {
        vaddrPage: Number(VADDR >> 12n),
        npages,
        backing: 'ram',
        layout: backing,
        firstPfn: FIRST_PFN,
        stride: backing === 'stride' ? 2 : 1,
      },
    ],
    limitPages: npages * 2,
    capIpcLock: false,
    lockedVm: 0,
    dmaEntryLimit: 65535,
    disableHugepages: false,
    iommuGroups: [{ id: 'gpu0', superpage: 2, snoop: false }],
    emulatedGroups: [],
  });
  const t0 = performance.now();
  const m = ref.mapDma(Number(VADDR), 0, Number(size), 3);
  const [u] = ref.unmapDma(0, Number(size));
  const ms = performance.now() - t0;
  if (m !== 0 || u !== 0) throw new Error(`naive bench scenario failed: map ${m}, unmap ${u}`);
  return ms;
}
