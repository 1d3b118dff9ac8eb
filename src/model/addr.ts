// Branded address spaces and page arithmetic shared by the whole model (x86-64: PAGE_SHIFT 12).
// Kernel analogues: dma_addr_t, phys_addr_t, unsigned long vaddr, and the pfn helpers of <linux/pfn.h>.

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** The iova userspace passes to VFIO_IOMMU_MAP_DMA (QEMU uses the guest physical address). */
export type VfioIova = Brand<bigint, 'VfioIova'>;
/** The address a device puts on the bus (after the vendor's dma_map_page, or a host physical address). */
export type DmaAddr = Brand<bigint, 'DmaAddr'>;
export type Gpa = Brand<bigint, 'Gpa'>;
export type Hva = Brand<bigint, 'Hva'>;
export type Hpa = Brand<bigint, 'Hpa'>;

/** Page-frame numbers: plain numbers, exact because a 64-bit space has at most 2^52 pages. */
export type Gfn = Brand<number, 'Gfn'>;
export type HostPfn = Brand<number, 'HostPfn'>;
/** Page number of a VFIO iova (iova >> PAGE_SHIFT). */
export type IovaPfn = Brand<number, 'IovaPfn'>;
/** Page number of a process virtual address. */
export type VaddrPfn = Brand<number, 'VaddrPfn'>;
/** Page number of a device DMA address (dma_addr >> PAGE_SHIFT). */
export type DmaPfn = Brand<number, 'DmaPfn'>;
/** A pfn in an iova.c domain, in granule units. */
export type IovadPfn = Brand<number, 'IovadPfn'>;

/**
 * Where a plain value enters an address space: at the edge of the model (parsed input, a guest slot's
 * known gpa). Anywhere else, passing one space's value as another's is a type error.
 */
export const asHva = (v: bigint) => v as Hva;
export const asVfioIova = (v: bigint) => v as VfioIova;
export const asGpa = (v: bigint) => v as Gpa;
export const asIovaPfn = (v: number) => v as IovaPfn;
export const asGfn = (v: number) => v as Gfn;
export const asHostPfn = (v: number) => v as HostPfn;

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_SIZE_N = 4096n;
export const U64_MAX = (1n << 64n) - 1n;

/** Byte address → page number (exact: every u64 byte address has a page number below 2^52). */
export function pfnOf(addr: bigint): number {
  return Number(addr >> 12n);
}

/** Page number → byte address. */
export function addrOf(pfn: number): bigint {
  return BigInt(pfn) << 12n;
}

/** Lowercase hex without leading zeros, as the case format prints every address. */
export function hex(v: bigint | number): string {
  return '0x' + v.toString(16);
}

/** Multiply a page count by 4096 as a number (exact below 2^53 bytes). */
export function bytesOf(pages: number): number {
  return pages * PAGE_SIZE;
}

/** Hex of the byte address of a page number; exact for every u64 address. */
export function hexPage(pfn: number): string {
  return pfn < 2 ** 41 ? hex(pfn * PAGE_SIZE) : hex(BigInt(pfn) << 12n);
}
