import { describe, expect, it } from 'vitest';
import { asGpa, asHva, asIovaPfn, asVfioIova, hexPage, type Gpa, type VfioIova } from './addr';
import type { MapDmaArgs } from './vfio/map';

describe('address spaces', () => {
  it('keep apart at compile time: a gpa is not an iova until the edge says QEMU maps iova == gpa', () => {
    const gpa: Gpa = asGpa(0x1000n);
    const args = (iova: VfioIova): MapDmaArgs => ({
      argsz: 32,
      flags: 3,
      vaddr: asHva(0x7f0000000000n),
      iova,
      size: 4096n,
    });
    // @ts-expect-error a Gpa where a VfioIova belongs
    expect(args(gpa).iova).toBe(0x1000n);
    // @ts-expect-error an Hva where a VfioIova belongs
    expect(args(asHva(0x1000n)).iova).toBe(0x1000n);
    expect(args(asVfioIova(gpa)).iova).toBe(0x1000n);
  });

  it('prints page numbers as exact byte addresses up to 2^52 pages', () => {
    expect(hexPage(asIovaPfn(0))).toBe('0x0');
    expect(hexPage(2 ** 52 - 1)).toBe('0xfffffffffffff000');
    expect(hexPage(2 ** 41 + 1)).toBe('0x20000000001000');
  });
});
