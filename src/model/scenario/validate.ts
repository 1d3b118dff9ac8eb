// Validating untrusted input (files, URLs, pasted scenarios) against the zod schemas: a clear message on
// failure; unknown keys are warnings unless strict (case-format.md §1).

import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function dropKey(root: unknown, path: PropertyKey[], key: string): void {
  let node = root as Record<PropertyKey, unknown>;
  for (const p of path) node = node[p] as Record<PropertyKey, unknown>;
  delete node[key];
}

export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  strict: boolean,
  warnings: string[],
  where: string,
): Parsed<z.output<S>> {
  let value = input;
  for (let round = 0; round < 8; round++) {
    const r = schema.safeParse(value);
    if (r.success) return { ok: true, value: r.data };
    const issues = r.error.issues;
    const unknownOnly = issues.every((i) => i.code === 'unrecognized_keys');
    const describe = (i: (typeof issues)[number]) =>
      `${where}${i.path.length ? ' at ' + i.path.map(String).join('.') : ''}: ${i.message}`;
    if (strict || !unknownOnly) return { ok: false, error: issues.map(describe).join('; ') };
    if (value === input) value = structuredClone(input);
    for (const i of issues) {
      for (const k of (i as { keys: string[] }).keys) dropKey(value, i.path, k);
      warnings.push(describe(i));
    }
  }
  return { ok: false, error: `${where}: too many unknown keys` };
}
