import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFile } from '../../model/engine/run';
import { elixirTag, functionLink } from './kernel-links';

/** Every literal a model file pushes onto a step's path. */
function pathLiterals(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return pathLiterals(p);
    if (!/\.ts$/.test(name) || /\.test\.ts$/.test(name)) return [];
    return [...readFileSync(p, 'utf8').matchAll(/path\.push\(([^)]*)\)/g)].flatMap((m) =>
      [...m[1]!.matchAll(/'([^']*)'/g)].map((s) => s[1]!),
    );
  });
}

/** Every function every step of a file reported. */
function reported(file: string): string[] {
  const out = runFile(JSON.parse(readFileSync(file, 'utf8')), {}) as unknown as {
    cases: Array<{ steps: Array<{ explain?: { path?: string[] } }> }>;
  };
  return out.cases.flatMap((c) => c.steps.flatMap((r) => r.explain?.path ?? []));
}

const ELIXIR = /^https:\/\/elixir\.bootlin\.com\/linux\/v\d+\.\d+\/ident\/[A-Za-z_][A-Za-z0-9_]*$/;

describe('kernel function links', () => {
  it('every function the model can put on a step path maps to an Elixir identifier link', () => {
    const names = new Set(pathLiterals('src/model'));
    expect(names.size).toBeGreaterThan(20);
    for (const n of names) expect(functionLink(n, '6.18'), n).toMatch(ELIXIR);
  });

  it('so does every function the conformance cases and presets report', () => {
    const files = [
      ...readdirSync('conformance').map((f) => `conformance/${f}`),
      ...readdirSync('public/scenarios')
        .filter((f) => f !== 'index.json' && f !== 'tib-hugepages.json')
        .map((f) => `public/scenarios/${f}`),
    ].filter((f) => f.endsWith('.json'));
    const names = new Set(files.flatMap(reported));
    expect(names.size).toBeGreaterThan(10);
    for (const n of names) expect(functionLink(n, '5.19'), n).toMatch(ELIXIR);
  });

  it('links at the tag of the profile', () => {
    expect(functionLink('vfio_dma_do_map', '6.18')).toBe(
      'https://elixir.bootlin.com/linux/v6.18/ident/vfio_dma_do_map',
    );
    expect(elixirTag('4.10')).toBe('v4.10');
    expect(elixirTag('5.19.3')).toBe('v5.19');
    expect(elixirTag(null)).toBe('v6.18');
    expect(functionLink('vendor dma_unmap', '6.2')).toBe('https://elixir.bootlin.com/linux/v6.2/ident/dma_unmap');
    expect(functionLink('not a function', '6.2')).toBeNull();
  });
});
