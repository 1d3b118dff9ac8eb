// The case/scenario file format "vfio-type1-conformance/1" (case-format.md) as zod schemas: one format
// for conformance cases, user scenarios, preset tours and share links. Numbers are u64 (hex strings or
// integers) and become bigints here, at the edge; the model works in page numbers.

import { z } from 'zod';

export const CASE_SCHEMA = 'vfio-type1-conformance/1';

const U64_MAX = (1n << 64n) - 1n;

/** A u64 given as "0x…" hex, a decimal string, or a non-negative integer. */
export const u64 = z.union([z.string(), z.number()]).transform((v, ctx): bigint => {
  let out: bigint | null = null;
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v) && v >= 0) out = BigInt(v);
  } else if (/^0x[0-9a-fA-F]+$/.test(v) || /^[0-9]+$/.test(v)) {
    out = BigInt(v);
  }
  if (out === null || out > U64_MAX) {
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(v)} is not a u64 (use "0x…" hex or a non-negative integer)`,
    });
    return z.NEVER;
  }
  return out;
});

/** `{"$ref": "steps[1].dma_addr"}`: an output of an earlier step of the same case. */
export const ref = z.strictObject({
  $ref: z.string().regex(/^steps\[\d+\]\.[A-Za-z0-9_]+$/, 'a $ref looks like "steps[1].dma_addr"'),
});
export type Ref = z.infer<typeof ref>;

export const u64OrRef = z.union([ref, u64]);

/** An IOMMU driver supports at least one page size; a bitmap of 0 has no smallest page to map with. */
const pgsizeBitmap = u64.refine((v) => v !== 0n, 'a pgsize_bitmap of 0 names no page size the IOMMU supports');

const reservedRegion = z.strictObject({ start: u64, end: u64, type: z.string() });

export const iommuGroup = z.strictObject({
  kind: z.literal('iommu'),
  id: z.string().optional(),
  iommu: z.literal('intel-vtd').default('intel-vtd'),
  table_format: z.literal('second-level').default('second-level'),
  levels: z.union([z.literal(4), z.literal(5)]).default(4),
  gaw_bits: z.number().int().min(39).max(57).default(48),
  superpage_support: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(2),
  snoop_control: z.boolean().default(false),
  pgsize_bitmap: pgsizeBitmap.optional(),
  pgsize_bitmap_before_5_15: pgsizeBitmap.optional(),
  aperture: z.tuple([u64, u64]).optional(),
  reserved_regions: z.array(reservedRegion).default([]),
  isolated_msi: z.boolean().default(true).describe('interrupt remapping present; false needs allow_unsafe_interrupts'),
});

export const emulatedGroup = z.strictObject({
  kind: z.literal('emulated'),
  id: z.string().optional(),
  device_registered: z.boolean().default(true),
  has_dma_unmap_op: z.boolean().default(true),
  vendor_policy: z.enum(['unpin_all_in_range', 'ignore']).default('unpin_all_in_range'),
});

export const group = z.discriminatedUnion('kind', [iommuGroup, emulatedGroup]);
export type GroupInput = z.infer<typeof group>;

export const memoryRegion = z.strictObject({
  name: z.string().default(''),
  vaddr: u64,
  size: u64,
  backing: z.enum(['ram', 'vm_pfnmap_reserved', 'none']).default('ram'),
  layout: z.enum(['contiguous', 'stride', 'none', 'hugepages', 'fragmented']).default('contiguous'),
  first_pfn: u64.default(0n),
  stride: z.number().int().min(1).default(1),
  hugepage: z.enum(['2M', '1G']).optional(),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  rule: z.string().optional(),
});
export type MemoryRegionInput = z.infer<typeof memoryRegion>;

export const guest = z
  .strictObject({
    ram_bytes: u64,
    /** RAM below 4 GiB (QEMU's below-4g-mem-size: 2 GiB on pc when RAM ≥ 3.5 GiB, 3 GiB on q35 when RAM ≥ 2.75 GiB). */
    below_4g_bytes: u64.optional(),
    /** Where QEMU's RAM block sits in its own address space. */
    vaddr: u64.default(0x7f0000000000n),
    layout: z.enum(['contiguous', 'hugepages', 'fragmented']).default('contiguous'),
    hugepage: z.enum(['2M', '1G']).optional(),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    first_pfn: u64.default(0x100000n),
  })
  .describe('guest RAM: a QEMU RAM block plus the MAP_DMA of each slot at iova == gpa, before step 0');
export type GuestInput = z.infer<typeof guest>;

export const environment = z.strictObject({
  kernel: z.string().optional(),
  description: z.string().optional(),
  derived: z.unknown().optional(),
  container: z
    .strictObject({
      iommu_type: z.enum(['VFIO_TYPE1v2_IOMMU', 'VFIO_TYPE1_IOMMU']).default('VFIO_TYPE1v2_IOMMU'),
      dma_entry_limit: z.number().int().min(0).max(0xffffffff).default(65535),
      disable_hugepages: z.boolean().default(false),
      allow_unsafe_interrupts: z.boolean().default(false),
    })
    .default({
      iommu_type: 'VFIO_TYPE1v2_IOMMU',
      dma_entry_limit: 65535,
      disable_hugepages: false,
      allow_unsafe_interrupts: false,
    }),
  groups: z.array(group).default([]),
  process: z
    .strictObject({
      rlimit_memlock_bytes: u64.default(0x10000n),
      locked_vm_pages: z.number().int().min(0).default(0),
      cap_ipc_lock: z.boolean().default(false),
    })
    .default({ rlimit_memlock_bytes: 0x10000n, locked_vm_pages: 0, cap_ipc_lock: false }),
  memory: z.array(memoryRegion).default([]),
  guest: guest.optional(),
  iovad: z
    .strictObject({
      granule: z.number().int().positive().default(4096),
      start_pfn: u64.default(1n),
      cpus: z.number().int().min(1).max(64).default(1),
    })
    .optional(),
  vendor: z
    .discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('kvmgt'), host_iommu: z.enum(['off', 'dma']).default('off') }),
      z
        .strictObject({
          kind: z.literal('tracking'),
          strategy: z.enum(['per-page-tree', 'iova-range', 'region-table', 'flat-array']),
          policy: z.enum(['pin-all', 'pin-sparse']).default('pin-sparse'),
          host_iommu: z.enum(['off', 'dma']).default('off'),
        })
        .describe(
          'a vGPU driver built on one of the 2016 gpa → iova designs (VGPU_MAP_GUEST_PAGE / VGPU_UNMAP_GUEST_PAGE)',
        ),
    ])
    .optional()
    .describe("the vendor driver behind the emulated group; it answers type1's dma_unmap callback"),
});
export type EnvInput = z.infer<typeof environment>;

export const step = z.strictObject({
  op: z.string(),
  args: z.record(z.string(), z.unknown()).default({}),
  expect: z.record(z.string(), z.unknown()).optional(),
  setup: z.boolean().optional(),
  note: z.string().optional(),
  notes: z.string().optional(),
  title: z.string().optional(),
  /** A guided tour's text for the reader at this step (commentary: never judged, never run). */
  caption: z.string().max(2000).optional(),
  /** Tour playback stops after this step until the reader goes on. */
  pause: z.boolean().optional(),
});
export type StepInput = z.infer<typeof step>;

export const caseSchema = z.strictObject({
  id: z.string().min(1),
  area: z.string().optional(),
  title: z.string().optional(),
  env: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  env_overrides: z.record(z.string(), z.unknown()).optional(),
  kernel: z.string().optional(),
  kernels: z.string().optional(),
  steps: z.array(step),
  final: z.record(z.string(), z.unknown()).optional(),
  variants: z.array(z.unknown()).optional(),
  source: z.array(z.string()).optional(),
  notes: z.string().optional(),
  /** A guided tour's text for the environment as built, before step 1. */
  caption: z.string().max(2000).optional(),
});
export type CaseInput = z.infer<typeof caseSchema>;

export const fileSchema = z.strictObject({
  /** Where an editor finds the JSON Schema of this format (the page's exports name its own copy). */
  $schema: z.string().max(2000).optional(),
  schema: z.literal(CASE_SCHEMA),
  about: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  conventions: z.record(z.string(), z.unknown()).optional(),
  environments: z.record(z.string(), z.unknown()).default({}),
  cases: z.array(z.unknown()),
});
