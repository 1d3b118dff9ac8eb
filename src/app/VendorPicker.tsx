// Run the loaded scenario with another vGPU vendor model: KVMGT as shipped, or a 2016 design with its
// pinning policy and host-IOMMU mode. Scenarios without vGPU ops are unaffected.
import { VENDOR_CONFIGS } from '../model/engine/compare';
import { useAppStore } from '../state/store';
import { runPreset } from './actions';

export function VendorPicker() {
  const vendor = useAppStore((s) => s.vendor);
  const presetId = useAppStore((s) => s.presetId);
  const busy = useAppStore((s) => s.status === 'loading' || s.status === 'running');
  return (
    <div className="picker">
      <label htmlFor="vendor">vGPU vendor model</label>
      <select
        id="vendor"
        value={vendor ?? ''}
        disabled={busy}
        onChange={(e) => {
          useAppStore.getState().setVendor(e.target.value || null);
          if (presetId) void runPreset(presetId);
        }}
      >
        <option value="">as the scenario says</option>
        {VENDOR_CONFIGS.map((c) => (
          <option key={c.label} value={c.label}>
            {c.label}
          </option>
        ))}
      </select>
    </div>
  );
}
