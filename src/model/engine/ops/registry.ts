// The op table: each case-format op name maps to its argument schema and the kernel entry it drives.

import type { z } from 'zod';
import type { Sim } from '../sim';

export interface OpDef<S extends z.ZodType = z.ZodType> {
  /** The kernel entry point, for the step explanation. */
  entry: string;
  args: S;
  run(sim: Sim, args: z.output<S>): Record<string, unknown>;
}

export function op<S extends z.ZodType>(def: OpDef<S>): OpDef {
  return def as unknown as OpDef;
}
