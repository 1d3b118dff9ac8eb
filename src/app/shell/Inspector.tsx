// The inspector: what is selected and where it lands in every address space, and an address followed
// through every translation — memslot, vfio_dma, the IOMMU page table level by level, the vendor's entry,
// the GPU's DMA domain — written out as the kernel would walk it.
import { useState } from 'react';
import type { Space } from '../../model/inspect/follow';
import type { WalkStep } from '../../model/iommu/vtd/table';
import { activeSelection, useSelection } from '../../state/selection';
import { useSession } from '../../state/session';
import { selectionFootprint, SPACES } from '../../views/shared/footprint';
import { hexPage, pagesSize } from '../../views/shared/format';
import { decodePte } from '../../views/shared/pte';
import { followAddress } from '../actions';

const SPACE_NAME: Record<Space, string> = {
  gpa: 'guest physical (gpa)',
  hva: 'QEMU virtual (hva)',
  iova: 'VFIO iova',
  hpa: 'host physical (hpa)',
  dma: 'GPU dma_addr',
};

function Walk({ walk, title }: { walk: WalkStep[]; title: string }) {
  if (walk.length === 0) return null;
  return (
    <table className="walk" aria-label={title}>
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">level</th>
          <th scope="col">table page</th>
          <th scope="col">index</th>
          <th scope="col">entry</th>
        </tr>
      </thead>
      <tbody>
        {walk.map((w) => {
          const d = decodePte(w.value, w.leaf, w.level);
          return (
            <tr key={w.level} data-testid={`walk-L${w.level}`}>
              <td>L{w.level}</td>
              <td>
                <code>{hexPage(w.tablePhysPfn)}</code>
              </td>
              <td>{w.index}</td>
              <td>
                <code title={d.bits.join(', ')}>{w.value === 0 ? 'empty' : d.raw}</code>
                {w.value !== 0 && <span className="muted"> {w.leaf ? `leaf → ${d.addr}` : `table at ${d.addr}`}</span>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function Inspector() {
  const selection = useSelection(activeSelection);
  const pinned = useSelection((s) => s.pinned);
  const follow = useSelection((s) => s.follow);
  const state = useSession((s) => s.state);
  const [space, setSpace] = useState<Space>('iova');
  const [addr, setAddr] = useState('');
  const fp = selectionFootprint(state, selection);

  return (
    <div className="inspector">
      <h2 className="panel-title">Inspector</h2>
      <section aria-label="Selection" data-testid="selection">
        {selection ? (
          <>
            <p className="sel-label">
              <strong>{selection.label}</strong>
              {selection !== pinned && <span className="muted"> (hover; click to keep)</span>}
            </p>
            <dl className="footprint">
              {fp &&
                SPACES.filter((sp) => fp[sp].lo.length > 0).map((sp) => (
                  <div key={sp} data-testid={`fp-${sp}`}>
                    <dt>{SPACE_NAME[sp]}</dt>
                    <dd>
                      {fp[sp].lo.slice(0, 3).map((lo, i) => (
                        <code key={lo}>
                          {hexPage(lo)} +{pagesSize(fp[sp].pages[i]!)}
                        </code>
                      ))}
                      {fp[sp].lo.length > 3 && <span className="muted"> and {fp[sp].lo.length - 3} more ranges</span>}
                    </dd>
                  </div>
                ))}
            </dl>
          </>
        ) : (
          <p className="muted">Point at anything in the map, the page table or the trees; click to keep it selected.</p>
        )}
      </section>
      <form
        className="follow"
        onSubmit={(e) => {
          e.preventDefault();
          void followAddress(space, addr);
          // Back to the keyboard's commands: ← → step on with the chain followed at every step.
          (document.activeElement as HTMLElement | null)?.blur();
        }}
      >
        <h3>Follow an address</h3>
        <div className="follow-row">
          <label htmlFor="follow-space" className="sr-only">
            Address space
          </label>
          <select id="follow-space" value={space} onChange={(e) => setSpace(e.target.value as Space)}>
            {SPACES.map((sp) => (
              <option key={sp} value={sp}>
                {SPACE_NAME[sp]}
              </option>
            ))}
          </select>
          <label htmlFor="follow-addr" className="sr-only">
            Address
          </label>
          <input
            id="follow-addr"
            value={addr}
            onChange={(e) => setAddr(e.target.value)}
            placeholder="0x100000000"
            spellCheck={false}
          />
          <button type="submit">Follow</button>
        </div>
      </form>
      {follow?.error && (
        <p className="reason bad" role="alert">
          {follow.error}
        </p>
      )}
      {follow?.chain && (
        <section aria-label="Chain" data-testid="chain">
          <ol className="chain">
            {follow.chain.hops.map((h) => (
              <li key={h.space} data-testid={`hop-${h.space}`}>
                <span className="space">{SPACE_NAME[h.space]}</span> <code>{h.addr}</code>
                <span className="via"> — {h.via}</span>
              </li>
            ))}
          </ol>
          {follow.chain.notes.map((n) => (
            <p key={n} className="reason">
              {n}
            </p>
          ))}
          <Walk walk={follow.chain.walk} title="IOMMU page walk (first domain)" />
          <Walk walk={follow.chain.gpuWalk} title="GPU DMA domain walk" />
        </section>
      )}
    </div>
  );
}
