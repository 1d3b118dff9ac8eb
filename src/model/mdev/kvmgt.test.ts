import { describe, expect, it } from 'vitest';
import { buildSim } from '../engine/env';
import { finalState } from '../engine/final';
import { materialize } from '../engine/rows';
import { runOp } from '../engine/ops';
import type { Sim } from '../engine/sim';
import { RbTree, rbNode } from '../lib/rbtree';
import { parseProfile } from '../profile';
import { environment } from '../scenario/schema';

function run(s: Sim, name: string, args: Record<string, unknown>): Record<string, unknown> {
  s.iommu.beginStep();
  return runOp(s, name, args);
}

describe('KVMGT without a host IOMMU: two gfns backed by one host page', () => {
  it('share a dma_addr; unmapping by it puts the entry the dma_addr_cache walk meets first, and both can go', () => {
    const env = environment.parse({
      groups: [{ kind: 'emulated', id: 'vgpu0' }],
      process: { rlimit_memlock_bytes: '0x10000000' },
      memory: [{ name: 'RAM', vaddr: '0x7f0000000000', size: '0x400000', first_pfn: '0x100000' }],
      vendor: { kind: 'kvmgt', host_iommu: 'off' },
    });
    const s = buildSim(env, parseProfile('6.18'));
    // QEMU maps the same RAM at two iovas (gfn 0x0 and gfn 0x1000).
    for (const iova of ['0x0', '0x1000000'])
      run(s, 'MAP_DMA', { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova, size: '0x400000' });
    const a = run(s, 'KVMGT_MAP_GUEST_PAGE', { gfn: '0x5', size: '0x1000' });
    const b = run(s, 'KVMGT_MAP_GUEST_PAGE', { gfn: '0x1005', size: '0x1000' });
    expect(a.dma_addr).toBe('0x100005000');
    expect(b.dma_addr).toBe(a.dma_addr);
    expect(s.kvmgt!.nrCacheEntries).toBe(2);
    // The first entry is the root of dma_addr_cache, so the walk meets it first: gfn 0x5 goes, 0x1005 stays.
    expect(run(s, 'KVMGT_UNMAP_GUEST_PAGE', { dma_addr: a.dma_addr }).nr_cache_entries).toBe(1);
    expect(s.kvmgt!.findGfn(0x5)).toBeUndefined();
    expect(s.kvmgt!.findGfn(0x1005)).toBeDefined();
    expect(run(s, 'KVMGT_UNMAP_GUEST_PAGE', { dma_addr: a.dma_addr }).nr_cache_entries).toBe(0);
    expect(s.kvmgt!.dmaAddrCache.size).toBe(0);
    expect((materialize(finalState(s)) as { pfn_list: unknown[] }).pfn_list).toEqual([]);
  });
});

describe("KVMGT's dma_unmap callback", () => {
  it('counts the lookups intel_vgpu_dma_unmap makes: one per page of the range, each as deep as its search goes', () => {
    const env = environment.parse({
      groups: [{ kind: 'emulated', id: 'vgpu0' }],
      process: { rlimit_memlock_bytes: '0x100000000' },
      memory: [{ name: 'RAM', vaddr: '0x7f0000000000', size: '0x4000000', first_pfn: '0x100000' }],
      vendor: { kind: 'kvmgt', host_iommu: 'dma' },
    });
    const s = buildSim(env, parseProfile('6.18'));
    run(s, 'MAP_DMA', { flags: ['READ', 'WRITE'], vaddr: '0x7f0000000000', iova: '0x0', size: '0x4000000' });
    // Scattered 4 KiB pages and a few 2 MiB ones, in an order that makes the tree lean.
    const gfns: Array<[number, number]> = [];
    for (let k = 0; k < 300; k++) gfns.push([(k * 7919) % 0x3e00, 0x1000]);
    for (const g of [0x3e00, 0x3c00]) gfns.push([g, 0x200000]);
    const mapped = new Set<number>();
    const naive = new RbTree();
    for (const [gfn, size] of gfns) {
      if (mapped.has(gfn) || (size > 0x1000 && [...mapped].some((m) => m >= gfn && m < gfn + 512))) continue;
      if (run(s, 'KVMGT_MAP_GUEST_PAGE', { gfn: `0x${gfn.toString(16)}`, size: `0x${size.toString(16)}` }).ret !== 0)
        continue;
      mapped.add(gfn);
      naive.insertEqualRight(rbNode(gfn, gfn));
    }
    // The kernel's loop, literally: __gvt_cache_find_gfn for each page, and an entry found goes at once.
    let visits = 0;
    for (let k = 0; k < 0x4000; k++) {
      const n = naive.find(k);
      visits += naive.lastVisits;
      if (n) naive.erase(n);
    }
    const out = run(s, 'UNMAP_DMA', { iova: '0x0', size: '0x4000000' });
    expect(out.ret).toBe(0);
    expect(out.notifier_lookups).toBe(0x4000);
    expect(out.notifier_lookup_visits).toBe(visits);
    expect(s.kvmgt!.nrCacheEntries).toBe(0);
  });
});
