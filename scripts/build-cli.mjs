// Bundles the headless runner (src/cli/main.ts) into dist-cli/vgpu-dma-sim.mjs so that Node 20, which
// runs no TypeScript, can execute it right after `npm ci` (this runs as the `prepare` script).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist-cli/vgpu-dma-sim.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
});
