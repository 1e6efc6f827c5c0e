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
  {
    // metric names and error codes come from their catalogues (src/core/metric-names.ts, src/core/error-codes.ts),
    // which the docs are generated from: a string here would be a metric or code the docs do not know
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name=/^(inc|counter|gauge)$/][arguments.0.type=/^(Literal|TemplateLiteral)$/]", message: 'name the metric with METRIC.… from src/core/metric-names.ts' },
        { selector: "NewExpression[callee.name='LogshipError'][arguments.0.type=/^(Literal|TemplateLiteral)$/]", message: 'use ErrorCode.… (or ErrorCodeFamily) from src/core/error-codes.ts' },
        { selector: "Property[key.name='code'][value.type=/^(Literal|TemplateLiteral)$/]", message: 'use ErrorCode.… (or ErrorCodeFamily) from src/core/error-codes.ts' },
      ],
    },
  },
);
