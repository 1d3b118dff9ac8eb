import { describe, expect, it } from 'vitest';
import { trackingMemory } from './memory';

const MIB = 256; // pages per MiB
const region = { gfn: 0x100000, npages: 512 * MIB };
const all = Array.from({ length: region.npages }, (_, k) => region.gfn + k);
const sparse = Array.from({ length: 1000 }, (_, k) => region.gfn + ((k * 7919) % region.npages));

describe('tracking memory of the 2016 designs', () => {
  it('the seed thread example: a 512 MiB region as a flat array is 131,072 × 4 bytes = 512 KiB (the thread said 2 MB)', () => {
    const c = trackingMemory('flat-array', [region], []);
    expect(c.entries).toBe(131072);
    expect(c.sizeofBytes).toBe(512 * 1024);
    expect(c.slabBytes).toBe(512 * 1024);
    expect(trackingMemory('flat-array', [{ gfn: 0, npages: 2048 * MIB }], []).sizeofBytes).toBe(2 * 1024 * 1024);
  });

  it('pin-all over 512 MiB: per-page nodes cost 40 B each (64 B in kmalloc-64); a rooted table needs 256 leaf tables + 1 root', () => {
    expect(trackingMemory('per-page-tree', [region], all)).toMatchObject({
      entries: 131072,
      sizeofBytes: 131072 * 40,
      slabBytes: 131072 * 64,
    });
    expect(trackingMemory('region-table', [region], all).slabBytes).toBe((256 + 1) * 4096);
  });

  it('pin-sparse (1,000 pages): the tree and the IOMMU table shrink with the pins, the flat array does not', () => {
    const tree = trackingMemory('per-page-tree', [region], sparse);
    expect(tree.slabBytes).toBe(1000 * 64);
    expect(trackingMemory('flat-array', [region], sparse).slabBytes).toBe(512 * 1024);
    const iova = trackingMemory('iova-range', [region], sparse);
    expect(iova.lines[0]).toMatchObject({ what: 'struct iova', count: 1, slab: 64 });
    expect(iova.lines[1]!.count).toBeGreaterThan(3);
    expect(iova.lines[1]!.count).toBeLessThanOrEqual(256 + 3);
  });
});
