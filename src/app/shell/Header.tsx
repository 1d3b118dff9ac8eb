// The top bar: the scenario (a preset), the case when a file holds several, the vGPU vendor model, the
// theme and the keyboard sheet.
import { VENDOR_CONFIGS } from '../../model/mdev/configs';
import { useSession } from '../../state/session';
import { isBusy, useAppStore } from '../../state/store';
import { useView, type ThemeChoice } from '../../state/view';
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
          {presets.map((p) => (
            <option key={p.id} value={p.id}>
              {p.title}
            </option>
          ))}
        </select>
        {info && info.caseIds.length > 1 && (
          <>
            <label htmlFor="case">Case</label>
            <select
              id="case"
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
            Compare vendors
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
        <label htmlFor="theme" className="sr-only">
          Theme
        </label>
        <select
          id="theme"
          value={theme}
          onChange={(e) => useView.getState().set({ theme: e.target.value as ThemeChoice })}
          title="Theme (t)"
        >
          <option value="system">system</option>
          <option value="light">light</option>
          <option value="dark">dark</option>
        </select>
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
