import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist', 'dist-cli', 'node_modules', 'test-results', 'playwright-report', 'bench-results'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.tsx', 'src/app/**/*.ts', 'src/state/**/*.ts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
  {
    // The kernel model is pure: the same code runs in Node (CLI, tests) and in the Web Worker.
    files: ['src/model/**/*.ts'],
    // Tests run only in Node and may read the case files from disk.
    ignores: ['src/model/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['react', 'react-dom', 'react/*', 'react-dom/*'], message: 'src/model is pure: no React.' },
            { group: ['zustand', 'zustand/*'], message: 'src/model is pure: no store.' },
            { group: ['d3-selection', 'd3-zoom', 'd3-transition'], message: 'src/model is pure: no DOM.' },
            {
              group: ['**/app/**', '**/views/**', '**/state/**', '**/worker/**'],
              message: 'src/model must not import UI layers.',
            },
            { group: ['node:*', 'fs', 'path'], message: 'src/model runs in the browser too: no Node built-ins.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'localStorage', 'navigator'],
    },
  },
);
