// The page: pick a preset, see each step's result and the counters after the last step.
import { useEffect } from 'react';
import { useAppStore } from '../state/store';
import { FinalCounters } from './FinalCounters';
import { PresetPicker } from './PresetPicker';
import { ComparePanel } from './compare/ComparePanel';
import { SeedExample } from './SeedExample';
import { VendorPicker } from './VendorPicker';
import { StepTable } from './StepTable';
import { loadPresetList, runPreset } from './actions';

const STATUS_TEXT = {
  idle: 'Ready.',
  loading: 'Loading the scenario…',
  running: 'Running in the simulation worker…',
  cancelled: 'Cancelled.',
  error: 'Error.',
};

export function App() {
  const status = useAppStore((s) => s.status);
  const message = useAppStore((s) => s.message);
  const results = useAppStore((s) => s.results);

  useEffect(() => {
    void loadPresetList().then((presets) => {
      if (presets[0]) void runPreset(presets[0].id);
    });
  }, []);

  return (
    <>
      <header>
        <h1>vgpu-dma-viz</h1>
        <p>VFIO type1, the IOMMU and iova.c, simulated as the kernel does it.</p>
      </header>
      <main>
        <PresetPicker />
        <VendorPicker />
        <p role="status" className="status" data-status={status}>
          {STATUS_TEXT[status]}
        </p>
        {message && (
          <p role="alert" className="panel error">
            {message}
          </p>
        )}
        {results?.cases.map((c) => (
          <article key={c.id} className="case">
            {c.error && <p className="panel error">This case could not be run: {c.error}</p>}
            <StepTable result={c} />
            <FinalCounters result={c} />
          </article>
        ))}
        <ComparePanel />
        <SeedExample />
      </main>
    </>
  );
}
