// Every op the runner knows, by case-format name.

import { iommuOps } from './iommu';
import { iovaOps } from './iova';
import type { OpDef } from './registry';
import { type1Ops } from './type1';
import { vendorOps } from './vendor';

export const OPS: Record<string, OpDef> = { ...type1Ops, ...iommuOps, ...iovaOps, ...vendorOps };
