// Turning a step's trace (typed-array logs) into the case format's outputs: hex strings for addresses,
// integers for counts (case-format.md §1). Long lists stay row lists over the trace (rows.ts), so a
// 1 TiB MAP_DMA reports its half a million chunks without one object per chunk.

import { hexPage } from '../addr';
import { OUTPUT_ROW_UNITS } from '../budget';
import type { ColumnLog } from '../lib/columns';
import { kernel } from '../profile';
import type { UserBitmap } from '../vfio/dirty';
import { RowList, valueList, type RowColumn } from './rows';
import type { Sim } from './sim';

/** A row list over a trace log: each column reads one field, through `map` where it needs translating. */
function logRows<K extends string>(
  sim: Sim,
  log: ColumnLog<K>,
  columns: Array<RowColumn & { field: K; map?: (v: number) => number | string }>,
): RowList {
  sim.budget.spend(log.length * OUTPUT_ROW_UNITS, 'reporting the step');
  const fields = columns.map((c) => log.fields.indexOf(c.field));
  const maps = columns.map((c) => c.map ?? null);
  return new RowList(
    columns,
    log.length,
    (i, c) => {
      const v = log.at(i, fields[c]!);
      const map = maps[c];
      return map === null ? v : map!(v);
    },
    columns.map((_, c) => {
      const f = fields[c]!;
      const map = maps[c];
      return map ? (i: number) => map(log.at(i, f)) : (i: number) => log.at(i, f);
    }),
  );
}

export function mapTrace(sim: Sim): Record<string, unknown> {
  const t = sim.iommu.trace;
  const ids = new Map(sim.iommu.domains.map((d) => [d.domain.index, d.domain.id]));
  const domainId = (index: number) => ids.get(index) ?? `domain${index}`;
  return {
    pin_chunks: logRows(sim, t.pinChunks, [
      { key: 'iova', kind: 'page', field: 'iovaPfn' },
      { key: 'pfn', kind: 'hex', field: 'pfn' },
      { key: 'npage', kind: 'int', field: 'npage' },
      { key: 'reserved', kind: 'bool', field: 'reserved' },
    ]),
    pin_chunk_count: t.pinChunks.length,
    iommu_map_calls: logRows(sim, t.iommuMapCalls, [
      { key: 'domain', kind: 'str', field: 'domain', map: domainId },
      { key: 'iova', kind: 'page', field: 'iovaPfn' },
      { key: 'paddr', kind: 'page', field: 'physPfn' },
      { key: 'size', kind: 'page', field: 'npages' },
    ]),
    iommu_map_call_count: t.iommuMapCalls.length,
    map_pages_calls: kernel.hasMapPages(sim.profile)
      ? logRows(sim, t.mapPages, [
          { key: 'domain', kind: 'str', field: 'domain', map: domainId },
          { key: 'iova', kind: 'page', field: 'iovaPfn' },
          { key: 'paddr', kind: 'page', field: 'physPfn' },
          { key: 'pgsize', kind: 'page', field: 'order', map: (order) => 2 ** order },
          { key: 'count', kind: 'int', field: 'count' },
        ])
      : null,
  };
}

/** The user's bitmap as u64 words (already charged to the step when the buffer was allocated). */
export function bitmapWords(b: UserBitmap): RowList {
  return valueList('word', b.words.length, (i) => b.words[i]!);
}

/** What the vendor driver was told during the step (one entry per dma_unmap callback). */
export function vendorCallbackOutputs(sim: Sim): Record<string, unknown> {
  const calls = sim.iommu.trace.vendorCallbacks;
  return {
    vendor_callbacks: calls.map((c) => ({ device: c.device, iova: hexPage(c.iovaPfn), length: hexPage(c.npages) })),
    vendor_callback_count: calls.length,
  };
}
