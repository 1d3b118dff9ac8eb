// The first look at an untrusted document (a file, a pasted scenario, a share link), before any schema:
// how deep it nests, whether it names keys that reach into JavaScript's object machinery, and whether
// it asks for more steps than a run may take. A clear message here keeps every later stage (zod,
// env_overrides, the judge, the writers) from meeting a shape that would crash or poison it.

/** Deeper than any real case (the deepest expectation in the conformance files is 6 levels). */
export const MAX_DEPTH = 64;
/** Steps in one file, all cases together (each case counts as one more). */
export const MAX_STEPS = 100_000;
/** Keys that, followed as paths or assigned, reach Object.prototype. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Whether a user-given name may be used as a key into one of the model's own tables. */
export function isSafeKey(key: string): boolean {
  return !FORBIDDEN_KEYS.has(key);
}

function pathOf(parts: ReadonlyArray<string | number>): string {
  return parts.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

/** null when the document may go on to validation; otherwise one line saying what is wrong and where. */
export function screenDocument(doc: unknown): string | null {
  const stack: Array<{ v: unknown; path: Array<string | number> }> = [{ v: doc, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (path.length >= MAX_DEPTH) return `${pathOf(path)}: nested deeper than ${MAX_DEPTH} levels`;
    if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }));
      continue;
    }
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) return `${pathOf([...path, k])}: the key "${k}" is not allowed`;
      stack.push({ v: (v as Record<string, unknown>)[k], path: [...path, k] });
    }
  }
  const cases = (doc as { cases?: unknown } | null)?.cases;
  if (Array.isArray(cases)) {
    let steps = cases.length;
    for (const c of cases) {
      const s = (c as { steps?: unknown } | null)?.steps;
      if (Array.isArray(s)) steps += s.length;
    }
    if (steps > MAX_STEPS)
      return `the file holds ${steps.toLocaleString('en-US')} steps and cases; a run takes at most ${MAX_STEPS.toLocaleString('en-US')}`;
    const seen = new Set<unknown>();
    for (const [i, c] of cases.entries()) {
      const id = (c as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') continue;
      if (seen.has(id)) return `cases[${i}]: the id "${id}" is used by an earlier case; case ids must be unique`;
      seen.add(id);
    }
  }
  return null;
}
