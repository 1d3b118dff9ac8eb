// The counters a kernel developer watches, as bars against their limits: locked_vm against
// RLIMIT_MEMLOCK, dma_avail against dma_entry_limit, PTEs by size, table pages, pins.
import { useSession } from '../../state/session';
import { count, pagesSize } from '../shared/format';

function Bar({
  label,
  value,
  max,
  text,
  testid,
  warn,
}: {
  label: string;
  value: number;
  max: number;
  text: string;
  testid: string;
  warn?: boolean;
}) {
  const frac = max > 0 ? Math.min(1, Math.max(0, value / max)) : 0;
  return (
    <div className="gauge" data-testid={testid}>
      <div className="gauge-label">
        <span>{label}</span>
        <span className="gauge-value">{text}</span>
      </div>
      <div
        className="gauge-track"
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={value}
        aria-valuetext={text}
      >
        <div className={`gauge-fill ${warn ? 'warn' : ''}`} style={{ width: `${frac * 100}%` }} />
      </div>
    </div>
  );
}

export function Gauges() {
  const g = useSession((s) => s.state?.gauges);
  if (!g) return null;
  const wrapped = g.lockedVm < 0;
  const lockedText = wrapped
    ? `wrapped: 2⁶⁴ − ${count(-g.lockedVm)} pages`
    : `${count(g.lockedVm)} / ${count(g.limitPages)} pages (${pagesSize(g.lockedVm)})${g.capIpcLock ? ', CAP_IPC_LOCK' : ''}`;
  const leaves = g.leaves4k + g.leaves2m + g.leaves1g;
  return (
    <div className="gauges">
      <h2 className="panel-title">Gauges</h2>
      <Bar
        label="locked_vm / RLIMIT_MEMLOCK"
        value={wrapped ? g.limitPages : g.lockedVm}
        max={g.limitPages}
        text={lockedText}
        testid="gauge-locked"
        warn={wrapped || g.lockedVm > g.limitPages}
      />
      {g.dmaAvail >= 0 && (
        <Bar
          label="dma_avail / dma_entry_limit"
          value={g.dmaAvail}
          max={g.dmaEntryLimit}
          text={`${count(g.dmaAvail)} / ${count(g.dmaEntryLimit)}`}
          testid="gauge-dma-avail"
          warn={g.dmaAvail === 0}
        />
      )}
      <div className="gauge-grid">
        <div data-testid="gauge-pte-4k">
          <span className="swatch" style={{ background: 'var(--c-pte4k)' }} />
          4K <strong>{count(g.leaves4k)}</strong>
        </div>
        <div data-testid="gauge-pte-2m">
          <span className="swatch" style={{ background: 'var(--c-pte2m)' }} />
          2M <strong>{count(g.leaves2m)}</strong>
        </div>
        <div data-testid="gauge-pte-1g">
          <span className="swatch" style={{ background: 'var(--c-pte1g)' }} />
          1G <strong>{count(g.leaves1g)}</strong>
        </div>
        <div data-testid="gauge-tables">
          table pages <strong>{count(g.tablePages)}</strong>
        </div>
        <div data-testid="gauge-vfio-pfn">
          vfio_pfn <strong>{count(g.vfioPfns)}</strong>
        </div>
        <div data-testid="gauge-pins">
          pinned frames <strong>{count(g.pinnedPages)}</strong>
          {g.pins > g.pinnedPages && <span className="muted"> ({count(g.pins)} pins)</span>}
        </div>
        {g.vaddrInvalid > 0 && (
          <div data-testid="gauge-vaddr-invalid">
            invalid vaddrs <strong>{g.vaddrInvalid}</strong>
          </div>
        )}
        {g.blocked > 0 && (
          <div data-testid="gauge-blocked">
            asleep in vfio_wait <strong>{g.blocked}</strong>
          </div>
        )}
      </div>
      <p className="muted small">
        {leaves > 0 ? `${count(leaves)} leaf PTEs` : 'no IOMMU mappings'} · {g.domains} IOMMU domain
        {g.domains === 1 ? '' : 's'} · {g.emulatedGroups} emulated group{g.emulatedGroups === 1 ? '' : 's'}
      </p>
    </div>
  );
}
