// Guest memory as QEMU sets it up on x86 (pc / q35): one block of guest RAM in QEMU's address space,
// seen by the VFIO memory listener as slots with the usual holes — the legacy VGA window at
// 0xa0000–0xbffff and the PCI hole below 4 GiB, RAM above that continuing at 4 GiB — each mapped with
// VFIO_IOMMU_MAP_DMA at iova == gpa, as real VMs do (hw/vfio/container.c vfio_listener_region_add).

import type { GuestInput } from '../scenario/schema';

export interface GuestSlot {
  gpa: bigint;
  size: bigint;
  /** Offset of the slot in QEMU's RAM block. */
  offset: bigint;
}

const VGA_LO = 0xa0000n;
const VGA_HI = 0xc0000n;
const FOUR_G = 1n << 32n;

/** The slots QEMU's memory listener maps: [0, 0xa0000), [0xc0000, below_4g), [4 GiB, 4 GiB + the rest). */
export function guestSlots(g: GuestInput): GuestSlot[] {
  const below = g.below_4g_bytes ?? (g.ram_bytes >= 0xb0000000n ? 0xc0000000n : g.ram_bytes);
  if (below > g.ram_bytes) throw new Error('guest: below_4g_bytes is larger than ram_bytes');
  if (below > 0xe0000000n) throw new Error('guest: below_4g_bytes leaves no PCI hole below 4 GiB (at most 0xe0000000)');
  const slots: GuestSlot[] = [];
  slots.push({ gpa: 0n, size: below < VGA_LO ? below : VGA_LO, offset: 0n });
  if (below > VGA_HI) slots.push({ gpa: VGA_HI, size: below - VGA_HI, offset: VGA_HI });
  if (g.ram_bytes > below) slots.push({ gpa: FOUR_G, size: g.ram_bytes - below, offset: below });
  return slots.filter((s) => s.size > 0n);
}
