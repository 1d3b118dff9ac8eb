// Following one address through every translation the simulation holds, as a kernel developer traces
// it by hand: a gpa through its memslot to QEMU's vaddr, and (QEMU maps iova == gpa) through vfio_dma
// and the IOMMU page table, level by level, to the host page; a gfn through the vGPU vendor's entry to
// the device's dma_addr and the GPU DMA domain's table; a vaddr to the frame behind it. Read-only.

import type { Sim } from '../engine/sim';
import type { VtdPageTable, WalkStep } from '../iommu/vtd/table';
import type { GvtDma } from '../mdev/kvmgt';

export type Space = 'gpa' | 'hva' | 'iova' | 'dma' | 'hpa';

export interface Hop {
  space: Space;
  /** Byte address, as hex. */
  addr: string;
  /** What took the previous hop here, in kernel words. */
  via: string;
}

export interface Chain {
  hops: Hop[];
  /** The walk of the first IOMMU domain's table for the iova, level by level (root first). */
  walk: WalkStep[];
  /** The walk of the GPU's DMA domain for the dma_addr (a vendor with a host IOMMU). */
  gpuWalk: WalkStep[];
  /** Where a translation stops, and why. */
  notes: string[];
}

const hex = (page: number, offset: number) => '0x' + (BigInt(page) * 4096n + BigInt(offset)).toString(16);

function physOfWalk(walk: WalkStep[], iovaPfn: number): number | null {
  const last = walk.at(-1);
  if (!last || !last.leaf) return null;
  const span = last.level === 1 ? 1 : last.level === 2 ? 512 : 262144;
  return Math.floor(last.value / 4096) + (iovaPfn % span);
}

export function follow(sim: Sim, space: Space, addr: bigint): Chain {
  const chain: Chain = { hops: [], walk: [], gpuWalk: [], notes: [] };
  const offset = Number(addr & 0xfffn);
  const page = Number(addr >> 12n);
  const seen = new Set<Space>();
  const hop = (s: Space, p: number, via: string) => {
    if (seen.has(s)) return false;
    seen.add(s);
    chain.hops.push({ space: s, addr: hex(p, offset), via });
    return true;
  };
  const table = sim.iommu.firstDomain?.table ?? null;
  const vendor = sim.kvmgt ?? sim.tracking;
  const gpuTable: VtdPageTable | null = vendor?.dma?.domain.table ?? null;

  const fromHva = (vpfn: number) => {
    const r = sim.memory.find(vpfn);
    if (!r) chain.notes.push(`vaddr ${hex(vpfn, offset)} has no VMA`);
    else if (!seen.has('hpa')) {
      const pfn = sim.memory.pfn(vpfn);
      hop(
        'hpa',
        pfn,
        r.backing === 'vm_pfnmap_reserved'
          ? `the VMA "${r.name}" (VM_PFNMAP: MMIO)`
          : `the VMA "${r.name}" (the page GUP pins)`,
      );
    }
  };
  // The device reaches an iova through the IOMMU: its frame is the page table's. QEMU's vaddr may hold
  // another frame by now (a VFIO_DMA_MAP_FLAG_VADDR update to other memory, which the uAPI calls a user
  // error): that is said in a note.
  const fromIova = (iovaPfn: number) => {
    if (table) {
      chain.walk = table.walk(iovaPfn);
      const phys = physOfWalk(chain.walk, iovaPfn);
      if (phys !== null) hop('hpa', phys, `the IOMMU page table (${chain.walk.length} levels)`);
      else chain.notes.push(`the IOMMU page table has no entry for iova ${hex(iovaPfn, offset)}`);
    } else if (!sim.iommu.hasDomain) {
      const v = sim.iommu.dmaList.findDma(iovaPfn, 1)?.pfnList.get(iovaPfn);
      if (v) hop('hpa', v.pfn, `vfio_pfn (pinned for the vendor, ref ${v.refCount})`);
    }
    const dma = sim.iommu.dmaList.findDma(iovaPfn, 1);
    if (!dma) {
      chain.notes.push(`no vfio_dma covers iova ${hex(iovaPfn, offset)}`);
      return;
    }
    const vpfn = dma.vaddrPfn + (iovaPfn - dma.iovaPfn);
    hop('hva', vpfn, `vfio_dma at ${hex(dma.iovaPfn, 0)} (vaddr + (iova − dma->iova))`);
    const behind = sim.memory.find(vpfn) ? sim.memory.pfn(vpfn) : -1;
    const i = chain.hops.findIndex((h) => h.space === 'hpa');
    if (i < 0) fromHva(vpfn);
    else if (behind >= 0 && chain.hops[i]!.addr !== hex(behind, offset))
      chain.notes.push(
        `QEMU's vaddr ${hex(vpfn, offset)} is now backed by ${hex(behind, offset)}, but the IOMMU still maps the iova to ${chain.hops[i]!.addr}`,
      );
  };
  const fromDma = (dmaPfn: number) => {
    if (gpuTable) {
      chain.gpuWalk = gpuTable.walk(dmaPfn);
      const phys = physOfWalk(chain.gpuWalk, dmaPfn);
      if (phys !== null) hop('hpa', phys, `the GPU DMA domain's page table (${chain.gpuWalk.length} levels)`);
      else chain.notes.push(`the GPU DMA domain has no entry for dma_addr ${hex(dmaPfn, offset)}`);
    } else if (vendor) hop('hpa', dmaPfn, 'no host IOMMU: dma_addr is the host physical address');
  };
  const gfnToDma = (gfn: number): number | null => {
    if (sim.kvmgt) {
      // gvt_cache_find_gfn matches an entry's first gfn only, but the GPU reaches every page of a 2 MiB
      // entry at its dma_addr plus the offset: the entry starting at or below gfn.
      const n = sim.kvmgt.gfnCache.highestBelow(gfn + 1);
      const e = n?.data as GvtDma | undefined;
      return e && gfn >= e.gfn && gfn < e.gfn + e.size / 4096 ? e.dmaAddr / 4096 + (gfn - e.gfn) : null;
    }
    return sim.tracking?.deviceAddress(gfn) ?? null;
  };
  const fromGpa = (gfn: number) => {
    const slot = sim.memslots.find((m) => gfn >= m.gfn && gfn < m.gfn + m.pages);
    if (slot) hop('hva', slot.vpfn + (gfn - slot.gfn), `memslot at gpa ${hex(slot.gfn, 0)}`);
    else if (sim.memslots.length > 0) chain.notes.push(`gpa ${hex(gfn, offset)} is in no memslot`);
    if (sim.iommu.dmaList.findDma(gfn, 1) && hop('iova', gfn, 'QEMU maps guest RAM at iova == gpa')) fromIova(gfn);
    const dmaPfn = vendor ? gfnToDma(gfn) : null;
    if (dmaPfn !== null) {
      const how = sim.kvmgt ? 'gvt_dma (KVMGT)' : `the vendor's ${sim.tracking!.cfg.strategy}`;
      if (hop('dma', dmaPfn, how)) fromDma(dmaPfn);
    } else if (vendor) chain.notes.push(`the vendor has not mapped gfn ${hex(gfn, 0)} for DMA`);
  };

  switch (space) {
    case 'gpa':
      hop('gpa', page, 'guest physical address');
      fromGpa(page);
      break;
    case 'iova': {
      hop('iova', page, 'VFIO iova');
      fromIova(page);
      if (sim.memslots.some((m) => page >= m.gfn && page < m.gfn + m.pages))
        hop('gpa', page, 'QEMU maps guest RAM at iova == gpa');
      break;
    }
    case 'hva': {
      hop('hva', page, "QEMU's virtual address");
      fromHva(page);
      const dma = sim.iommu.dmaList.items.find((d) => page >= d.vaddrPfn && page < d.vaddrPfn + d.sizePages);
      const iova = dma ? dma.iovaPfn + (page - dma.vaddrPfn) : -1;
      if (dma && hop('iova', iova, `vfio_dma at ${hex(dma.iovaPfn, 0)}`) && table) {
        chain.walk = table.walk(iova);
        const phys = physOfWalk(chain.walk, iova);
        const mine = chain.hops.find((h) => h.space === 'hpa')?.addr;
        if (phys !== null && mine !== undefined && mine !== hex(phys, offset))
          chain.notes.push(
            `the IOMMU maps iova ${hex(iova, offset)} to ${hex(phys, offset)}, not to the frame behind this vaddr`,
          );
      }
      break;
    }
    case 'dma': {
      hop('dma', page, "the device's DMA address");
      fromDma(page);
      break;
    }
    case 'hpa': {
      hop('hpa', page, 'host physical address');
      let found = false;
      table?.forEachLeafEntry((iova, level, value) => {
        const span = level === 1 ? 1 : level === 2 ? 512 : 262144;
        const pfn = Math.floor(value / 4096);
        if (!found && page >= pfn && page < pfn + span) {
          found = hop('iova', iova + (page - pfn), 'a leaf of the IOMMU page table maps it');
          chain.walk = table.walk(iova + (page - pfn));
        }
      });
      if (!found) chain.notes.push(`no IOMMU page-table entry maps host page ${hex(page, 0)}`);
      break;
    }
  }
  return chain;
}
