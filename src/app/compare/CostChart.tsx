// A small line chart of one cost along the case, one line per vendor model: x is guest-page accesses
// (workload samples and single map/unmap steps), y the metric after that access.
import { scaleLinear } from 'd3-scale';
import type { CompareRow } from '../../model/engine/compare';
import type { MetricKey } from '../../state/compare';
import { byteUnit, formatValue, METRICS } from './metrics';

export const COLORS = ['#1d4ed8', '#b45309', '#047857', '#7e22ce', '#be123c'];
const W = 640;
const H = 220;
const M = { top: 10, right: 34, bottom: 34, left: 78 };

export function CostChart({ rows, metric }: { rows: CompareRow[]; metric: MetricKey }) {
  const def = METRICS.find((m) => m.key === metric)!;
  const points = rows.flatMap((r) => r.series);
  const x = scaleLinear()
    .domain([0, Math.max(1, ...points.map((p) => p.x))])
    .range([M.left, W - M.right]);
  const max = Math.max(1, ...points.map((p) => p[metric]));
  // Bytes are scaled in the binary unit of the largest value, so the ticks fall on round KiB/MiB/GiB.
  const unit = def.bytes ? byteUnit(max) : null;
  const per = unit?.size ?? 1;
  const y = scaleLinear()
    .domain([0, max / per])
    .nice()
    .range([H - M.bottom, M.top]);
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      className="cost-chart"
      role="img"
      aria-label={`${def.label} along the case, one line per vendor model`}
    >
      {y.ticks(4).map((t) => (
        <g key={`y${t}`}>
          <line x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} className="grid" />
          <text x={M.left - 6} y={y(t)} dy="0.32em" textAnchor="end">
            {unit ? `${t.toLocaleString('en-US')} ${unit.name}` : formatValue(t)}
          </text>
        </g>
      ))}
      {x.ticks(5).map((t) => (
        <text key={`x${t}`} x={x(t)} y={H - M.bottom + 16} textAnchor="middle">
          {t.toLocaleString('en-US')}
        </text>
      ))}
      <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle">
        guest-page accesses
      </text>
      {rows.map((r, i) =>
        r.series.length === 0 ? null : (
          <path
            key={r.config}
            d={r.series
              .map((p, k) => `${k === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p[metric] / per).toFixed(1)}`)
              .join('')}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            strokeWidth={2}
            data-testid={`line-${r.config}`}
          />
        ),
      )}
    </svg>
  );
}
