// The costs each vendor model ends the case with, side by side (the same numbers `vgpu-dma-sim compare` prints).
import type { CompareRow } from '../../model/engine/compare';
import { COLORS } from './CostChart';
import { COSTS, formatValue } from './metrics';

export function CostTable({ rows }: { rows: CompareRow[] }) {
  return (
    // Wider than the page: the scrolling box takes keyboard focus so arrow keys can scroll it.
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Costs at the end of the case">
      <table className="steps costs">
        <caption>Costs at the end of the case</caption>
        <thead>
          <tr>
            <th scope="col">vendor model</th>
            {COSTS.map((c) => (
              <th key={c.key} scope="col">
                {c.short}
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
                <td colSpan={COSTS.length}>error: {r.error}</td>
              ) : (
                COSTS.map((c) => <td key={c.key}>{formatValue(r[c.key] as number, c.bytes)}</td>)
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
