// Choose a preset scenario and run it; cancel a run in progress.
import { useState } from 'react';
import { isBusy, useAppStore } from '../state/store';
import { cancelRun, runPreset } from './actions';

export function PresetPicker() {
  const presets = useAppStore((s) => s.presets);
  const loadedId = useAppStore((s) => s.presetId);
  const busy = useAppStore((s) => isBusy(s.status));
  const [chosen, setChosen] = useState<string | null>(null);
  const selected = chosen ?? loadedId ?? presets[0]?.id ?? '';

  return (
    <form
      className="picker"
      onSubmit={(e) => {
        e.preventDefault();
        if (selected) void runPreset(selected);
      }}
    >
      <label htmlFor="preset">Scenario</label>
      <select id="preset" value={selected} onChange={(e) => setChosen(e.target.value)} disabled={presets.length === 0}>
        {presets.map((p) => (
          <option key={p.id} value={p.id}>
            {p.title}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy || !selected}>
        Run
      </button>
      {busy && (
        <button type="button" onClick={cancelRun}>
          Cancel
        </button>
      )}
    </form>
  );
}
