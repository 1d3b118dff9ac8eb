import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { caseJsonSchema } from './json-schema';

describe('generated JSON Schema', () => {
  it('schema/case.schema.json is what `npm run schema` generates now', () => {
    const committed: unknown = JSON.parse(
      readFileSync(new URL('../../../schema/case.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(caseJsonSchema())));
    // The copy the page serves, which its exported scenario files name in "$schema".
    const served: unknown = JSON.parse(readFileSync(new URL('../../../public/case.schema.json', import.meta.url), 'utf8'));
    expect(served).toEqual(committed);
  });

  it('documents every op with its arguments', () => {
    const text = JSON.stringify(caseJsonSchema());
    for (const op of ['MAP_DMA', 'UNMAP_DMA', 'PIN_PAGES', 'ALLOC_IOVA_FAST', 'ENCODE'])
      expect(text).toContain(`"const":"${op}"`);
    expect(text).toContain('rlimit_memlock_bytes');
  });
});
