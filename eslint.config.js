import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginBoundaries from './eslint-rules/plugin-boundaries.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.work/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', NodeJS: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // kafkajs must load after logship's replacements of its internals (src/services/kafkajs-internals.ts)
    files: ['src/**/*.ts'],
    ignores: ['src/services/kafkajs.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'kafkajs', message: "import kafkajs from src/services/kafkajs.ts, which installs logship's fast path first" }] }],
    },
  },
  {
    // one plugin folder never imports another's; shared code lives in kits (src/inputs/docker/) or src/plugins/.
    // Tests may wire several plugins together.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    plugins: { logship: { rules: { 'plugin-boundaries': pluginBoundaries } } },
    rules: { 'logship/plugin-boundaries': ['error', { kits: ['src/inputs/docker'] }] },
  },
);
