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
const B = (n: number) => BigInt(n);
const MSI = 0xfee00000;

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

describe('the reference across kernel releases, on hand-computed cases', () => {
  it('dma_entry_limit exists from 5.1: before it there is no -ENOSPC and no dma_avail', () => {
    for (const [kernel, second, avail] of [
      ['4.15', 0, null],
      ['5.1', '-ENOSPC', 0],
    ] as const) {
      const r = new ReferenceType1(env({ kernel, dmaEntryLimit: 1 }));
      expect(r.mapDma(R0 * 4096, 0, 0x1000, 3)).toBe(0);
      expect(r.mapDma(R0 * 4096, 0x1000, 0x1000, 3)).toBe(second);
      expect(r.dmaAvail).toBe(avail);
    }
  });

  it('iova_list from 5.4: the MSI window is refused with a group attached, mapped before', () => {
    expect(new ReferenceType1(env({ kernel: '5.4' })).mapDma(R0 * 4096, MSI, 0x1000, 3)).toBe('-EINVAL');
    const old = new ReferenceType1(env({ kernel: '4.15' }));
    expect(old.mapDma(R0 * 4096, MSI, 0x1000, 3)).toBe(0);
    expect(old.translations()).toEqual(new Map([[0xfee00, 0x100000]]));
  });

  it('6.18 reports a range past 2^64 as -EOVERFLOW, before any other check; earlier releases -EINVAL', () => {
    const wrap = { flags: 0, vaddr: B(R0 * 4096), iova: 2n ** 64n - 0x1000n, size: 0x2000n };
    expect(new ReferenceType1(env()).map(wrap)).toBe('-EOVERFLOW');
    expect(new ReferenceType1(env({ kernel: '6.17' })).map(wrap)).toBe('-EINVAL');
    expect(new ReferenceType1(env()).unmap({ flags: 0, iova: wrap.iova, size: wrap.size })).toEqual([
      '-EOVERFLOW',
      0x2000n,
    ]);
  });

  it('VADDR: -ENOENT without a mapping, -EINVAL before invalidation, accepted after; unknown before 5.12', () => {
    const r = new ReferenceType1(env({ kernel: '5.12' }));
    const update = (iova: number) => r.map({ flags: 4, vaddr: B((R0 + 8) * 4096), iova: B(iova), size: 0x4000n });
    expect(r.mapDma(R0 * 4096, 0x10000, 0x4000, 3)).toBe(0);
    expect(update(0x40000)).toBe('-ENOENT');
    expect(update(0x10000)).toBe('-EINVAL');
    expect(r.unmap({ flags: 4, iova: 0x10000n, size: 0x4000n })).toEqual([0, 0x4000n]);
    expect([r.vaddrInvalidCount, r.unmap({ flags: 4, iova: 0x10000n, size: 0x4000n })[0]]).toEqual([1, '-EINVAL']);
    expect(update(0x10000)).toBe(0);
    expect(r.vfioDma()[0]).toMatchObject({ vaddr: R0 + 8, vaddrInvalid: false });
    const old = new ReferenceType1(env({ kernel: '5.11' }));
    expect(old.map({ flags: 4, vaddr: B(R0 * 4096), iova: 0n, size: 0x1000n })).toBe('-EINVAL');
  });

  it('an invalid vaddr blocks pins 5.12–6.2 and refuses them from 6.3', () => {
    for (const [kernel, pinned] of [
      ['6.2', 'BLOCKED'],
      ['6.3', '-EBUSY'],
    ] as const) {
      const r = new ReferenceType1(env({ kernel, iommuGroups: [], emulatedGroups: ['vgpu0'] }));
      expect(r.mapDma(R0 * 4096, 0, 0x4000, 3)).toBe(0);
      const [invalidated] = r.unmap({ flags: 4, iova: 0n, size: 0x4000n });
      // 6.3 refuses VADDR outright while an emulated group is in the container.
      expect(invalidated).toBe(kernel === '6.2' ? 0 : '-EBUSY');
      if (invalidated === 0) expect(r.pin(0, 1, 3)).toEqual([pinned, null]);
    }
  });

  it('before 6.0 the vendor pins a user_pfn[] list, reserved frames included, and unpin returns a count', () => {
    const r = new ReferenceType1(
      env({
        kernel: '5.19',
        iommuGroups: [],
        emulatedGroups: ['vgpu0'],
        regions: [
          ...env().regions,
          {
            vaddrPage: R0 + 0x20000,
            npages: 4,
            backing: 'vm_pfnmap_reserved',
            layout: 'contiguous',
            firstPfn: 0xe0000,
            stride: 1,
          },
        ],
      }),
    );
    expect(r.mapDma((R0 + 0x20000) * 4096, 0, 0x4000, 3)).toBe(0);
    expect(r.pinList([1, 1, 0], 3)).toEqual([3, [0xe0001, 0xe0001, 0xe0000]]);
    expect(r.lockedVm).toBe(0);
    expect(r.unpin(1, 2)).toEqual({ ret: 2, ref: 1 });
    expect(r.unpin(4, 1)).toEqual({ ret: '-EINVAL', ref: null });
  });

  it('before 5.9 a replay failing part-way keeps the pins of the chunks before the failure', () => {
    const r = new ReferenceType1(env({ kernel: '5.4', iommuGroups: [], emulatedGroups: ['vgpu0'] }));
    expect(r.mapDma(R0 * 4096, 0, 0x10000, 3)).toBe(0);
    // Eight pages of RAM, then no VMA: the second mapping's replay fails after one chunk.
    expect(r.mapDma((R0 + 1016) * 4096, 0x100000, 0x10000, 3)).toBe(0);
    expect(r.attach({ id: 'gpu0', superpage: 2, snoop: false })).toBe('-EFAULT');
    expect([r.replayLeak, r.lockedVm, r.vfioDma().map((d) => d.mapped)]).toEqual([true, 24, [true, false]]);
    const fixed = new ReferenceType1(env({ kernel: '5.9', iommuGroups: [], emulatedGroups: ['vgpu0'] }));
    fixed.mapDma(R0 * 4096, 0, 0x10000, 3);
    fixed.mapDma((R0 + 1016) * 4096, 0x100000, 0x10000, 3);
    expect(fixed.attach({ id: 'gpu0', superpage: 2, snoop: false })).toBe('-EFAULT');
    expect([fixed.replayLeak, fixed.lockedVm, fixed.vfioDma().map((d) => d.mapped)]).toEqual([
      false,
      0,
      [false, false],
    ]);
  });

  it('->map_pages from 5.15: 2 MiB + 4 KiB at an aligned iova is one 2M call and one 4K call', () => {
    const r = new ReferenceType1(env({ kernel: '5.15' }));
    expect(r.mapDma(R0 * 4096, 0x200000, 0x201000, 3)).toBe(0);
    expect(r.lastMap?.mapPages).toEqual([
      { domain: 'gpu0', iova: 0x200, paddr: 0x100000, pgsize: 512, count: 1 },
      { domain: 'gpu0', iova: 0x400, paddr: 0x100200, pgsize: 1, count: 1 },
    ]);
    const old = new ReferenceType1(env({ kernel: '5.10' }));
    expect(old.mapDma(R0 * 4096, 0x200000, 0x201000, 3)).toBe(0);
    expect(old.lastMap?.mapPages).toBe(null);
  });

  it('a write-only leaf reads 0x…002, with bit 0 forced from 5.12 until 6.17', () => {
    for (const [kernel, value] of [
      ['5.10', 0x100000002],
      ['5.12', 0x100000003],
      ['6.16', 0x100000003],
      ['6.17', 0x100000002],
    ] as const) {
      const r = new ReferenceType1(env({ kernel }));
      expect(r.mapDma(R0 * 4096, 0, 0x1000, 2)).toBe(0);
      expect(r.leaves()).toEqual([{ iova: 0, level: 1, value }]);
    }
  });
});
