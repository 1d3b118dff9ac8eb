import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileSchema } from '../model/scenario/schema';
import { fileNameOf, scenarioFileText } from './files';

describe('scenario files', () => {
  it('a saved preset is the case format with "$schema" first, and reads back as the same scenario', () => {
    const doc = JSON.parse(readFileSync('public/scenarios/hot-unplug.json', 'utf8')) as Record<string, unknown>;
    const text = scenarioFileText({ ...doc, $schema: 'old' }, 'https://example.org/app/case.schema.json');
    const back = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(back)[0]).toBe('$schema');
    expect(back.$schema).toBe('https://example.org/app/case.schema.json');
    expect(fileSchema.safeParse(back).success).toBe(true);
    const { $schema: _, ...rest } = back;
    expect(rest).toEqual(doc);
  });

  it('names the file after the title', () => {
    expect(fileNameOf('VT-d basics: superpages follow alignment')).toBe('vt-d-basics-superpages-follow-alignment.json');
    expect(fileNameOf('<script>')).toBe('script.json');
    expect(fileNameOf('')).toBe('scenario.json');
  });
});
