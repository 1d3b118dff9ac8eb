// The top bar: the scenario (a preset), the case when a file holds several, the vGPU vendor model, the
// theme and the keyboard sheet.
import { VENDOR_CONFIGS } from '../../model/mdev/configs';
import { NAMED_PROFILES } from '../../model/profile';
import { useSession } from '../../state/session';
import { isBusy, useAppStore } from '../../state/store';
import { useView } from '../../state/view';
import { cancelRun, openPreset, openScenario } from '../actions';
import { commandById } from '../commands';

const STATUS_TEXT = {
  idle: 'Ready.',
  loading: 'Loading the scenario…',
  running: 'Running in the simulation worker…',
  cancelled: 'Cancelled.',
  error: 'Error.',
};

export function Header() {
  const presets = useAppStore((s) => s.presets);
  const presetId = useAppStore((s) => s.presetId);
  const vendor = useAppStore((s) => s.vendor);
  const kernel = useAppStore((s) => s.kernel);
  const status = useAppStore((s) => s.status);
  const info = useSession((s) => s.info);
  const title = useSession((s) => s.title);
  const theme = useView((s) => s.theme);
  const tab = useView((s) => s.tab);
  const busy = isBusy(status);
  return (
    <header className="topbar">
      <h1>
        vgpu-dma-viz <span className="tagline">VFIO type1 · IOMMU · vGPU, step by step</span>
      </h1>
      <div className="top-controls">
        <label htmlFor="preset">Scenario</label>
        <select
          id="preset"
          value={presetId ?? ''}
          onChange={(e) => void openPreset(e.target.value)}
          disabled={presets.length === 0}
        >
          {presetId === null && info && <option value="">{title}</option>}
          <optgroup label="Scenarios">
            {presets
              .filter((p) => !p.tour)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title}
                </option>
              ))}
          </optgroup>
          <optgroup label="Guided tours">
            {presets
              .filter((p) => p.tour)
              .map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title.replace(/^Tour: /, '')}
                </option>
              ))}
          </optgroup>
        </select>
        {info && info.caseIds.length > 1 && (
          <>
            <label htmlFor="case" className="narrow-hide">
              Case
            </label>
            <select
              id="case"
              title="Case (a file may hold several)"
              value={info.caseId ?? ''}
              onChange={(e) =>
                void openScenario(useSession.getState().doc, useSession.getState().title, { caseId: e.target.value })
              }
            >
              {info.caseIds.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor="kernel" className="narrow-hide">
          Kernel
        </label>
        <select
          id="kernel"
          value={kernel ?? ''}
          disabled={busy || !info}
          title="The kernel version whose behaviour the model follows"
          onChange={(e) => {
            useAppStore.getState().set({ kernel: e.target.value || null });
            const s = useSession.getState();
            void openScenario(s.doc, s.title, { caseId: s.info?.caseId ?? undefined, keepCursor: true });
          }}
        >
          <option value="">{info?.kernel && !kernel ? `${info.kernel} (case)` : 'as the case says'}</option>
          {NAMED_PROFILES.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <label htmlFor="vendor">vGPU vendor</label>
        <select
          id="vendor"
          value={vendor ?? ''}
          disabled={busy}
          onChange={(e) => {
            useAppStore.getState().set({ vendor: e.target.value || null });
            if (presetId) void openPreset(presetId);
          }}
        >
          <option value="">as the scenario says</option>
          {VENDOR_CONFIGS.map((c) => (
            <option key={c.label} value={c.label}>
              {c.label}
            </option>
          ))}
        </select>
        {busy && (
          <button type="button" onClick={cancelRun}>
            Cancel
          </button>
        )}
        <p role="status" id="app-status" className="status" data-status={status}>
          {STATUS_TEXT[status]}
        </p>
        <span className="grow" />
        <div className="tabs" role="tablist" aria-label="Views">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'map'}
            onClick={() => useView.getState().set({ tab: 'map' })}
          >
            Step through
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'compare'}
            onClick={() => useView.getState().set({ tab: 'compare' })}
          >
            Compare
          </button>
        </div>
        <button
          type="button"
          onClick={() => commandById('share.copy').run()}
          disabled={!info}
          title="Copy a link to this step, selection and view (l)"
        >
          Copy link
        </button>
        <button
          type="button"
          className="theme-button"
          onClick={() => commandById('view.theme').run()}
          aria-label={`Theme: ${theme} (t switches)`}
          title={`Theme: ${theme} (t switches light / dark / system)`}
        >
          {theme === 'light' ? '☀' : theme === 'dark' ? '☾' : '◐'}
        </button>
        <button
          type="button"
          onClick={() => useView.getState().set({ help: true })}
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
        >
          ?
        </button>
      </div>
    </header>
  );
}
