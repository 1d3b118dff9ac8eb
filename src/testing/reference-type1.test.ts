import { describe, expect, it } from 'vitest';
import { ReferenceType1, type RefEnv } from './reference-type1';

const R0 = 0x7f0000000;
const env = (over: Partial<RefEnv> = {}): RefEnv => ({
  regions: [
    { vaddrPage: R0, npages: 1024, backing: 'ram', layout: 'contiguous', firstPfn: 0x100000, stride: 1 },
    { vaddrPage: R0 + 0x10000, npages: 8, backing: 'ram', layout: 'stride', firstPfn: 0x300000, stride: 2 },
  ],
  limitPages: 1 << 20,
  capIpcLock: false,
  lockedVm: 0,
  dmaEntryLimit: 65535,
  disableHugepages: false,
  iommuGroups: [{ id: 'gpu0', superpage: 2, snoop: false }],
  emulatedGroups: [],
  ...over,
});

describe('the naive reference on hand-computed cases', () => {
  it('a 2 MiB-aligned 2 MiB chunk is one 2M leaf; shifted by one page it is 512 4K leaves', () => {
    const r = new ReferenceType1(env());
    expect(r.mapDma(R0 * 4096, 0, 0x200000, 3)).toBe(0);
    expect(r.leafCounts()).toEqual({ '4K': 0, '2M': 1, '1G': 0 });
    expect(r.mapDma(R0 * 4096, 0x401000, 0x200000, 3)).toBe(0);
    expect(r.leafCounts()).toEqual({ '4K': 512, '2M': 1, '1G': 0 });
    expect(r.lockedVm).toBe(1024);
  });

  it('RLIMIT_MEMLOCK: the 17th page fails the whole map', () => {
    const r = new ReferenceType1(env({ limitPages: 16 }));
    expect(r.mapDma(R0 * 4096, 0, 0x20000, 3)).toBe('-ENOMEM');
    expect([r.lockedVm, r.dmaAvail, r.vfioDma()]).toEqual([0, 65535, []]);
  });

  it('external pins in an mdev-only container are charged once per page', () => {
    const r = new ReferenceType1(env({ iommuGroups: [], emulatedGroups: ['vgpu0'] }));
    expect(r.mapDma(R0 * 4096, 0, 0x10000, 3)).toBe(0);
    expect(r.pinPages(0x1000, 2, 3)).toEqual([2, [0x100001, 0x100002]]);
    expect(r.pinPages(0x2000, 2, 3)).toEqual([2, [0x100002, 0x100003]]);
    expect(r.lockedVm).toBe(3);
    expect(r.unpinPages(0x2000, 1)).toBe(1);
    expect(r.unmapDma(0, 0x10000)).toEqual([0, 0x10000]);
    expect(r.lockedVm).toBe(0);
  });

  it('stride pages are one chunk each and the unmap must not bisect a mapping', () => {
    const r = new ReferenceType1(env());
    expect(r.mapDma((R0 + 0x10000) * 4096, 0x10000, 0x4000, 3)).toBe(0);
    expect(r.translations()).toEqual(
      new Map([
        [0x10, 0x300000],
        [0x11, 0x300002],
        [0x12, 0x300004],
        [0x13, 0x300006],
      ]),
    );
    expect(r.unmapDma(0x10000, 0x2000)).toEqual(['-EINVAL', 0x2000]);
  });
});
