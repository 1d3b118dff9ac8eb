// Run the loaded scenario with another vGPU vendor model: KVMGT as shipped, or a 2016 design with its
// pinning policy and host-IOMMU mode. Scenarios without vGPU ops are unaffected.
import { VENDOR_CONFIGS } from '../model/mdev/configs';
import { isBusy, useAppStore } from '../state/store';
import { runPreset } from './actions';
import { Choice } from './Choice';

export function VendorPicker() {
  const vendor = useAppStore((s) => s.vendor);
  const presetId = useAppStore((s) => s.presetId);
  const busy = useAppStore((s) => isBusy(s.status));
  return (
    <Choice
      id="vendor"
      label="vGPU vendor model"
      value={vendor ?? ''}
      options={[
        { value: '', label: 'as the scenario says' },
        ...VENDOR_CONFIGS.map((c) => ({ value: c.label, label: c.label })),
      ]}
      onChange={(label) => {
        useAppStore.getState().setVendor(label || null);
        if (presetId) void runPreset(presetId);
      }}
      disabled={busy}
    />
  );
}
