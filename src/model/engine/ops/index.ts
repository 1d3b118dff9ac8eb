// Every op the runner knows, by case-format name.

import { iommuOps } from './iommu';
import { iovaOps } from './iova';
import type { Sim } from '../sim';
import type { OpDef } from './registry';
import { type1Ops } from './type1';
import { vendorOps } from './vendor';

const OPS: ReadonlyMap<string, OpDef> = new Map(Object.entries({ ...type1Ops, ...iommuOps, ...iovaOps, ...vendorOps }));

/** The op of that case-format name, or undefined (a Map: an op named "constructor" is just unknown). */
export function opDef(name: string): OpDef | undefined {
  return OPS.get(name);
}

/** Parses the arguments of op `name` and runs it on the simulation (the caller begins the step). */
export function runOp(sim: Sim, name: string, args: unknown): Record<string, unknown> {
  const def = opDef(name);
  if (!def) throw new Error(`unknown op "${name}"`);
  return def.run(sim, def.args.parse(args));
}

/** Every op name, for the page's op panel and the schema. */
export function opNames(): string[] {
  return [...OPS.keys()];
}
