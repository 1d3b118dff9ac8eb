// Argument shapes shared by the ops: flag-name lists, prot names, u64 inputs (case-format.md §1–2).

import { z } from 'zod';
import { IOMMU_READ, IOMMU_WRITE } from '../iommu/types';

/** A list of flag names (or a raw number) turned into a bit mask, refusing unknown names. */
export function flags(names: Record<string, number>) {
  const known = Object.keys(names) as [string, ...string[]];
  const name = z.enum(known, {
    error: (iss) => `unknown flag ${JSON.stringify(iss.input)} (known: ${known.join(', ')})`,
  });
  return z
    .union([z.array(name), z.number().int().min(0).max(0xffffffff, 'flags is a __u32: at most 0xffffffff')])
    .default([])
    .transform((v): number => {
      if (typeof v === 'number') return v;
      let mask = 0;
      for (const n of v) mask |= names[n]!;
      return mask;
    });
}

export const prot = flags({ READ: IOMMU_READ, WRITE: IOMMU_WRITE });

export const MAP_FLAGS = { READ: 1, WRITE: 2, VADDR: 4 };
export const UNMAP_FLAGS = { GET_DIRTY_BITMAP: 1, ALL: 2, VADDR: 4 };
export const DIRTY_FLAGS = { START: 1, STOP: 2, GET_BITMAP: 4 };

/** Counts (argsz, npage) given as integers or hex strings: an int or a __u32, so −2^31 … 2^32 − 1. */
export const count = z
  .union([z.number().int(), z.string().regex(/^(0x[0-9a-fA-F]{1,16}|-?[0-9]{1,20})$/)])
  .transform((v, ctx) => {
    const n = typeof v === 'number' ? v : Number(BigInt(v));
    if (n < -(2 ** 31) || n > 2 ** 32 - 1) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} does not fit an int or a __u32` });
      return z.NEVER;
    }
    return n;
  });
