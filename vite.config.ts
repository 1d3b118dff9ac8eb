import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset and data URLs: the built site works from any path it is copied to
  // (https://example.github.io/vgpu-dma-viz/ as well as the root of a host).
  base: './',
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', sourcemap: true },
});
