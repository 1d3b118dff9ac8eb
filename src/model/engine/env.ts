// Building a simulation from a case's environment (case-format.md §1): env_overrides, the process
// address space and limits, the container, and the groups attached in order through the real attach path.

import { asHva, asVfioIova } from '../addr';
import { WorkBudget } from '../budget';
import { isSafeKey } from '../scenario/screen';
import { HUGEPAGE_UNIT, ProcessMemory, type RegionSpec } from '../host/memory';
import { Mm } from '../host/mm';
import { IovaDomain } from '../iommu/iova';
import { kernel, type Profile } from '../profile';
import type { EnvInput, GroupInput, MemoryRegionInput } from '../scenario/schema';
import { vfioIommuType1AttachGroup } from '../vfio/attach';
import { VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU, VfioIommu, type GroupSpec, type VendorDriver } from '../vfio/iommu';
import { Kvmgt } from '../mdev/kvmgt';
import { vfioIommuType1MapDma } from '../vfio/map';
import { guestSlots } from './guest';
import { TrackingVendor } from '../mdev/tracking/driver';
import { vendorForPolicy } from '../mdev/policy';
import type { Sim } from './sim';

/** Apply env_overrides: "a.b[0].c" replaces one value; a plain key replaces a top-level key. */
export function applyOverrides(
  env: Record<string, unknown>,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const out = structuredClone(env);
  for (const [path, value] of Object.entries(overrides)) {
    const parts = path.match(/[^.[\]]+/g) ?? [];
    const bad = parts.find((p) => !isSafeKey(p));
    if (bad !== undefined || parts.length === 0)
      throw new Error(
        `env_overrides: "${path}" is not a path into the environment${bad ? ` ("${bad}" is not allowed)` : ''}`,
      );
    let node: Record<string, unknown> | unknown[] = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i]!;
      const next = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
      if (next === null || typeof next !== 'object') {
        throw new Error(`env_overrides: "${path}" does not name a value of the environment (stops at "${key}")`);
      }
      node = next as Record<string, unknown>;
    }
    (node as Record<string, unknown>)[parts[parts.length - 1]!] = structuredClone(value);
  }
  return out;
}

export function groupSpecOf(
  g: GroupInput,
  index: number,
  profile: Profile,
): { spec: GroupSpec; vendor: VendorDriver | null } {
  if (g.kind === 'emulated') {
    return {
      spec: {
        kind: 'emulated',
        id: g.id ?? `vgpu${index}`,
        deviceRegistered: g.device_registered,
        hasDmaUnmapOp: g.has_dma_unmap_op,
        vendorPolicy: g.vendor_policy,
      },
      vendor: vendorForPolicy(g.vendor_policy),
    };
  }
  const reported = kernel.hasMapPages(profile) ? g.pgsize_bitmap : g.pgsize_bitmap_before_5_15;
  return {
    spec: {
      kind: 'iommu',
      id: g.id ?? `gpu${index}`,
      vtd: {
        levels: g.levels,
        gawBits: g.gaw_bits,
        superpageSupport: g.superpage_support,
        snoopControl: g.snoop_control,
      },
      pgsizeBitmap: reported ?? null,
      aperture: g.aperture ?? null,
      reservedRegions: g.reserved_regions.map((r) => ({ start: r.start, end: r.end, type: r.type })),
      isolatedMsi: g.isolated_msi,
    },
    vendor: null,
  };
}

function regionSpec(m: MemoryRegionInput, i: number): RegionSpec {
  const name = m.name || `region${i}`;
  const unitPages = m.layout === 'hugepages' ? HUGEPAGE_UNIT[m.hugepage ?? '2M'] : m.layout === 'fragmented' ? 1 : 1;
  if (m.layout === 'hugepages' && !m.hugepage)
    throw new Error(`memory "${name}": layout "hugepages" needs hugepage "2M" or "1G"`);
  if (m.backing === 'vm_pfnmap_reserved' && (m.layout === 'hugepages' || m.layout === 'fragmented'))
    throw new Error(
      `memory "${name}": a vm_pfnmap_reserved region (an mmap'd BAR) is physically contiguous: use layout "contiguous" or "stride"`,
    );
  const unitBytes = BigInt(unitPages) * 4096n;
  if (m.vaddr % unitBytes !== 0n || m.size % unitBytes !== 0n || m.size === 0n) {
    throw new Error(`memory "${name}": vaddr and size must be non-zero multiples of 0x${unitBytes.toString(16)}`);
  }
  if (m.first_pfn % BigInt(unitPages) !== 0n)
    throw new Error(`memory "${name}": first_pfn must be aligned to ${unitPages} pages`);
  const layout = m.backing === 'none' ? 'none' : m.layout;
  return {
    name,
    vaddrPfn: Number(m.vaddr >> 12n),
    npages: Number(m.size >> 12n),
    backing: m.backing,
    layout,
    firstPfn: Number(m.first_pfn),
    stride: m.stride,
    unitPages,
    seed: m.seed,
  };
}

export function buildSim(env: EnvInput, profile: Profile, budget: WorkBudget = new WorkBudget()): Sim {
  const specs = env.memory.map(regionSpec);
  if (env.guest) {
    specs.push(
      regionSpec(
        {
          name: 'guest RAM',
          vaddr: env.guest.vaddr,
          size: env.guest.ram_bytes,
          backing: 'ram',
          layout: env.guest.layout,
          hugepage: env.guest.hugepage,
          seed: env.guest.seed,
          first_pfn: env.guest.first_pfn,
          stride: 1,
        } as MemoryRegionInput,
        specs.length,
      ),
    );
  }
  const sorted = [...specs].sort((a, b) => a.vaddrPfn - b.vaddrPfn);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.vaddrPfn < sorted[i - 1]!.vaddrPfn + sorted[i - 1]!.npages) {
      throw new Error(`memory "${sorted[i]!.name}" overlaps "${sorted[i - 1]!.name}"`);
    }
  }
  const memory = new ProcessMemory(specs, budget);
  const mm = new Mm(
    Number(env.process.rlimit_memlock_bytes >> 12n),
    env.process.cap_ipc_lock,
    env.process.locked_vm_pages,
  );
  const iommu = new VfioIommu(
    profile,
    {
      iommuType: env.container.iommu_type === 'VFIO_TYPE1_IOMMU' ? VFIO_TYPE1_IOMMU : VFIO_TYPE1v2_IOMMU,
      dmaEntryLimit: env.container.dma_entry_limit,
      disableHugepages: env.container.disable_hugepages,
      allowUnsafeInterrupts: env.container.allow_unsafe_interrupts,
    },
    budget,
    mm,
    memory,
  );
  const kvmgt = env.vendor?.kind === 'kvmgt' ? new Kvmgt(env.vendor.host_iommu, profile, budget) : null;
  const tracking =
    env.vendor?.kind === 'tracking'
      ? new TrackingVendor(
          { strategy: env.vendor.strategy, policy: env.vendor.policy, hostIommu: env.vendor.host_iommu },
          profile,
          budget,
        )
      : null;
  const driver = kvmgt ?? tracking;
  env.groups.forEach((g, i) => {
    const { spec, vendor: policy } = groupSpecOf(g, i, profile);
    const vendor = driver && spec.kind === 'emulated' ? driver : policy;
    iommu.beginStep();
    const ret = vfioIommuType1AttachGroup(iommu, spec, vendor);
    if (ret !== 0) throw new Error(`attaching group ${spec.id} failed with ${ret}: ${iommu.trace.reason ?? ''}`);
  });
  const memslots: Sim['memslots'] = [];
  if (env.guest) {
    for (const slot of guestSlots(env.guest)) {
      memslots.push({
        gfn: Number(slot.gpa >> 12n),
        pages: Number(slot.size >> 12n),
        vpfn: Number((env.guest.vaddr + slot.offset) >> 12n),
      });
      iommu.beginStep();
      const ret = vfioIommuType1MapDma(iommu, {
        argsz: 32,
        flags: 3,
        vaddr: asHva(env.guest.vaddr + slot.offset),
        // QEMU maps guest RAM at iova == gpa.
        iova: asVfioIova(slot.gpa),
        size: slot.size,
      });
      if (ret !== 0)
        throw new Error(
          `QEMU's MAP_DMA of guest RAM at gpa 0x${slot.gpa.toString(16)} failed with ${ret}: ${iommu.trace.reason ?? ''}`,
        );
    }
  }
  const iovad = env.iovad
    ? new IovaDomain(env.iovad.granule, Number(env.iovad.start_pfn), profile, env.iovad.cpus, budget)
    : null;
  return { profile, memslots, budget, memory, mm, iommu, iovad, kvmgt, tracking, parked: [] };
}
