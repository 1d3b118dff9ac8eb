import { asHva, asVfioIova } from '../addr';
import { describe, expect, it } from 'vitest';
import { buildSim } from '../engine/env';
import { finalState } from '../engine/final';
import { parseProfile } from '../profile';
import { environment } from '../scenario/schema';
import { vfioIommuType1MapDma } from '../vfio/map';
import { vfioLockAcct } from '../vfio/pin';
import { Mm } from './mm';

describe('mm->locked_vm as __account_locked_vm keeps it', () => {
  it('an uncharge past zero WARNs once and wraps the unsigned counter instead of clamping', () => {
    const mm = new Mm(16, false, 3);
    const first = mm.accountLockedVm(5, false, false);
    expect(first.warning).toMatch(/^WARN_ON_ONCE\(pages > locked_vm\) in __account_locked_vm/);
    expect(mm.lockedVmOut).toBe((1n << 64n) - 2n);
    expect(mm.accountLockedVm(1, false, false).warning).toBeNull();
    expect(mm.lockedVmOut).toBe((1n << 64n) - 3n);
  });

  it('compares in unsigned arithmetic: a wrapped counter is over any limit until a charge wraps it back', () => {
    const mm = new Mm(16, false, -3);
    expect(mm.accountLockedVm(2, true, false).ok).toBe(false);
    expect(mm.accountLockedVm(5, true, false).ok).toBe(true);
    expect(mm.lockedVmOut).toBe(2);
    expect(new Mm(16, false, -1).firstPageOver(16)).toBe(18);
    expect(new Mm(16, false, -2).firstPageOver(16)).toBe(1);
    expect(new Mm(16, false, 10).firstPageOver(16)).toBe(7);
  });

  it('the step that underflows reports the WARN and the wrapped locked_vm', () => {
    const env = environment.parse({
      groups: [{ kind: 'iommu', id: 'gpu0' }],
      process: { rlimit_memlock_bytes: '0x100000' },
      memory: [{ vaddr: '0x7f0000000000', size: '0x4000', first_pfn: '0x1000' }],
    });
    const sim = buildSim(env, parseProfile('6.18'));
    sim.iommu.beginStep();
    expect(
      vfioIommuType1MapDma(sim.iommu, {
        argsz: 32,
        flags: 3,
        vaddr: asHva(0x7f0000000000n),
        iova: asVfioIova(0n),
        size: 0x4000n,
      }),
    ).toBe(0);
    const trace = sim.iommu.beginStep();
    vfioLockAcct(sim.iommu, sim.iommu.dmaList.items[0]!, -6);
    expect(trace.warnings).toHaveLength(1);
    expect(finalState(sim).locked_vm_pages).toBe((1n << 64n) - 2n);
  });
});
