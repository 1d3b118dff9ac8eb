// Turning a step's trace (typed-array logs) into the case format's outputs: hex strings for addresses,
// integers for counts (case-format.md §1). Long lists can be cut for the page; the CLI prints them whole.

import { hex, hexPage } from '../addr';
import { kernel } from '../profile';
import type { UserBitmap } from '../vfio/dirty';
import type { Sim } from './sim';

/** Lists longer than this are cut (with a "…_total" count) — Infinity for the CLI. */
export const listLimit = { value: Infinity };

function cut<T>(n: number, make: (i: number) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < Math.min(n, listLimit.value); i++) out.push(make(i));
  return out;
}

export function mapTrace(sim: Sim): Record<string, unknown> {
  const t = sim.iommu.trace;
  const chunks = t.pinChunks;
  const calls = t.iommuMapCalls;
  const mp = t.mapPages;
  const domainId = (index: number) =>
    sim.iommu.domains.find((d) => d.domain.index === index)?.domain.id ?? `domain${index}`;
  const out: Record<string, unknown> = {
    pin_chunks: cut(chunks.length, (i) => ({
      iova: hexPage(chunks.get(i, 'iovaPfn')),
      pfn: hex(chunks.get(i, 'pfn')),
      npage: chunks.get(i, 'npage'),
      reserved: chunks.get(i, 'reserved') === 1,
    })),
    pin_chunk_count: chunks.length,
    iommu_map_calls: cut(calls.length, (i) => ({
      domain: domainId(calls.get(i, 'domain')),
      iova: hexPage(calls.get(i, 'iovaPfn')),
      paddr: hexPage(calls.get(i, 'physPfn')),
      size: hexPage(calls.get(i, 'npages')),
    })),
    iommu_map_call_count: calls.length,
    map_pages_calls: kernel.hasMapPages(sim.profile)
      ? cut(mp.length, (i) => ({
          domain: domainId(mp.get(i, 'domain')),
          iova: hexPage(mp.get(i, 'iovaPfn')),
          paddr: hexPage(mp.get(i, 'physPfn')),
          pgsize: hexPage(2 ** mp.get(i, 'order')),
          count: mp.get(i, 'count'),
        }))
      : null,
  };
  return out;
}

export function bitmapWords(b: UserBitmap): string[] {
  return Array.from(b.words, (w) => hex(w));
}

/** What the vendor driver was told during the step (one entry per dma_unmap callback). */
export function vendorCallbackOutputs(sim: Sim): Record<string, unknown> {
  const calls = sim.iommu.trace.vendorCallbacks;
  return {
    vendor_callbacks: calls.map((c) => ({ device: c.device, iova: hexPage(c.iovaPfn), length: hexPage(c.npages) })),
    vendor_callback_count: calls.length,
  };
}
