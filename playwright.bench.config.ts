import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// `npm run bench:ui`: the UI benchmark (bench/ui), against the production build like the specs.
export default defineConfig({
  ...base,
  testDir: 'bench/ui',
  testMatch: '*.bench.ts',
  outputDir: 'test-results/bench-artifacts',
  timeout: 30 * 60_000,
});
