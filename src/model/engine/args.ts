// Argument shapes shared by the ops: flag-name lists, prot names, u64 inputs (case-format.md §1–2).

import { z } from 'zod';
import { IOMMU_READ, IOMMU_WRITE } from '../iommu/types';

/** A list of flag names (or a raw number) turned into a bit mask, refusing unknown names. */
export function flags(names: Record<string, number>) {
  return z
    .union([z.array(z.string()), z.number().int().min(0)])
    .default([])
    .transform((v, ctx): number => {
      if (typeof v === 'number') return v;
      let mask = 0;
      for (const n of v) {
        const bit = names[n];
        if (bit === undefined) {
          ctx.addIssue({ code: 'custom', message: `unknown flag "${n}" (known: ${Object.keys(names).join(', ')})` });
          return z.NEVER;
        }
        mask |= bit;
      }
      return mask;
    });
}

export const prot = flags({ READ: IOMMU_READ, WRITE: IOMMU_WRITE });

export const MAP_FLAGS = { READ: 1, WRITE: 2, VADDR: 4 };
export const UNMAP_FLAGS = { GET_DIRTY_BITMAP: 1, ALL: 2, VADDR: 4 };
export const DIRTY_FLAGS = { START: 1, STOP: 2, GET_BITMAP: 4 };

/** Counts given as integers or hex strings. */
export const count = z
  .union([z.number().int(), z.string().regex(/^(0x[0-9a-fA-F]+|-?[0-9]+)$/)])
  .transform((v) => (typeof v === 'number' ? v : Number(BigInt(v))));
