// The state after the last step: the counters the kernel keeps, and the first IOMMU domain's leaves.
import type { CaseResult } from '../model/engine/types';

interface LeafPtes {
  '4K': number;
  '2M': number;
  '1G': number;
}

export function FinalCounters({ result }: { result: CaseResult }) {
  const f = result.final;
  const leaves = f.leaf_ptes as LeafPtes | null | undefined;
  const vfioDma = Array.isArray(f.vfio_dma) ? f.vfio_dma.length : 0;
  const pfnList = Array.isArray(f.pfn_list) ? f.pfn_list.length : 0;
  const rows: Array<[string, string, string]> = [
    ['locked_vm', String(f.locked_vm_pages ?? '—'), 'pages charged to the process (mm->locked_vm)'],
    [
      'dma_avail',
      f.dma_avail === null || f.dma_avail === undefined ? 'n/a' : String(f.dma_avail),
      'MAP_DMA entries left in this container',
    ],
    ['vfio_dma', String(vfioDma), 'mappings in the container'],
    ['pfn_list', String(pfnList), 'pages pinned by vendor drivers (vfio_pfn)'],
  ];
  return (
    <section className="panel" aria-labelledby="final-title">
      <h2 id="final-title">After the last step</h2>
      <dl className="counters">
        {rows.map(([k, v, hint]) => (
          <div key={k} data-testid={`final-${k}`}>
            <dt>{k}</dt>
            <dd>{v}</dd>
            <dd className="hint">{hint}</dd>
          </div>
        ))}
      </dl>
      <h3>Leaf PTEs in the first IOMMU domain</h3>
      {leaves ? (
        <dl className="counters leaves">
          {(['4K', '2M', '1G'] as const).map((size) => (
            <div key={size} data-testid={`leaf-${size}`}>
              <dt>{size}</dt>
              <dd>{leaves[size]}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p>No IOMMU domain in this container (emulated groups only).</p>
      )}
    </section>
  );
}
