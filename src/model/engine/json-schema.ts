// The case/scenario format as one fully documented schema: every environment key and, per op, its
// arguments. The runner validates files in stages (so one bad case does not sink the others); this is
// the same set of schemas assembled for the generated JSON Schema (schema/case.schema.json).

import { z } from 'zod';
import { caseSchema, environment, fileSchema, step } from '../scenario/schema';
import { opDef, opNames } from './ops';

export function documentedFileSchema() {
  const steps = opNames()
    .sort()
    .map((name) => step.extend({ op: z.literal(name), args: opDef(name)!.args.describe(opDef(name)!.entry) }));
  return fileSchema.extend({
    environments: z.record(z.string(), environment).optional(),
    cases: z.array(
      caseSchema.extend({ steps: z.array(z.union(steps as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]])) }),
    ),
  });
}

export function caseJsonSchema(): unknown {
  return z.toJSONSchema(documentedFileSchema(), { io: 'input', unrepresentable: 'any' });
}
