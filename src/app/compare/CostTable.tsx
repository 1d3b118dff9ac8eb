// The costs each vendor model ends the case with, side by side (the same numbers `vgpu-dma-sim compare` prints).
import type { CompareRow } from '../../model/engine/compare';
import { COLORS } from './CostChart';
import { formatValue } from './metrics';

const COLUMNS: Array<{ key: keyof CompareRow; label: string; bytes?: boolean }> = [
  { key: 'maps', label: 'maps' },
  { key: 'pins', label: 'pin calls' },
  { key: 'unpins', label: 'unpin calls' },
  { key: 'dma_map_calls', label: 'dma_map_page' },
  { key: 'iommu_map_calls', label: 'iommu_map' },
  { key: 'lookup_visits_mean', label: 'lookup mean' },
  { key: 'lookup_visits_max', label: 'lookup max' },
  { key: 'entries', label: 'entries' },
  { key: 'tracking_bytes', label: 'slab', bytes: true },
  { key: 'tracking_sizeof_bytes', label: 'sizeof', bytes: true },
  { key: 'peak_tracking_bytes', label: 'peak slab', bytes: true },
  { key: 'iommu_ptes', label: 'IOMMU PTEs' },
  { key: 'iommu_table_bytes', label: 'IOMMU tables', bytes: true },
  { key: 'locked_vm_pages', label: 'locked_vm' },
];

export function CostTable({ rows }: { rows: CompareRow[] }) {
  return (
    <div className="table-scroll">
      <table className="steps costs">
        <caption>Costs at the end of the case</caption>
        <thead>
          <tr>
            <th scope="col">vendor model</th>
            {COLUMNS.map((c) => (
              <th key={c.key} scope="col">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.config} data-testid={`cost-${r.config}`}>
              <th scope="row">
                <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} aria-hidden="true" />
                {r.config}
              </th>
              {r.error ? (
                <td colSpan={COLUMNS.length}>error: {r.error}</td>
              ) : (
                COLUMNS.map((c) => <td key={c.key}>{formatValue(r[c.key] as number, c.bytes)}</td>)
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
