#!/usr/bin/env node
// Entry point of `npx vgpu-dma-sim`: the runner is built into dist-cli/ by `npm ci` (prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist-cli/vgpu-dma-sim.mjs', import.meta.url));
if (!existsSync(built)) {
  process.stderr.write('vgpu-dma-sim is not built yet: run `npm run build:cli` (npm ci does this) and try again\n');
  process.exit(2);
}
await import(built);
