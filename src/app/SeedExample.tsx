// The question the project was born from (May 2016): what does each gpa → iova tracking design cost
// for one 512 MiB region? Computed by the model from real struct sizes and slab caches.
import { useEffect, useState } from 'react';
import type { MemoryCost } from '../model/mdev/tracking/memory';
import { seedExample } from './actions';

const LABEL: Record<string, string> = {
  'per-page-tree': '1. per-page tree (dma_map_page per page)',
  'iova-range': '2. alloc_iova range + iommu_map on demand',
  'region-table': '3. page table rooted in each vgpu_dma',
  'flat-array': '4. flat array, 4 bytes per page',
};

function bytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024) return `${(n / 1024).toLocaleString('en-US', { maximumFractionDigits: 1 })} KiB`;
  return `${n} B`;
}

export function SeedExample() {
  const [data, setData] = useState<{ pinAll: MemoryCost[]; sparse: MemoryCost[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    seedExample().then(setData, (e: Error) => setError(e.message));
  }, []);
  return (
    <section className="panel" aria-labelledby="seed-title">
      <h2 id="seed-title">The 2016 question: one 512 MiB region, four ways to track gpa → iova</h2>
      <p>
        The thread estimated the flat array at “512K*4 = 2MB”; 512 MiB is 131,072 pages, so the array is{' '}
        <strong data-testid="seed-flat">{data ? bytes(data.pinAll[3]!.slabBytes) : '…'}</strong> (2 MiB would be a 2 GiB
        region).
      </p>
      {error && <p role="alert">{error}</p>}
      {data && (
        <table className="steps">
          <caption>Tracking memory (slab footprint), every page pinned vs 1,000 pages pinned</caption>
          <thead>
            <tr>
              <th scope="col">design</th>
              <th scope="col">pin-all</th>
              <th scope="col">pin-sparse</th>
            </tr>
          </thead>
          <tbody>
            {data.pinAll.map((c, i) => (
              <tr key={c.strategy} data-testid={`seed-${c.strategy}`}>
                <td>{LABEL[c.strategy]}</td>
                <td>{bytes(c.slabBytes)}</td>
                <td>{bytes(data.sparse[i]!.slabBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
