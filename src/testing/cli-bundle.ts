// Builds the vgpu-dma-sim bundle into a temporary folder for tests that run the command as users do (a
// child process with pipes), so they test this checkout's code rather than whatever dist-cli/ holds.

import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function buildCliBundle(): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'vgpu-dma-sim-')), 'vgpu-dma-sim.mjs');
  await build({
    entryPoints: [new URL('../cli/main.ts', import.meta.url).pathname],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return out;
}
