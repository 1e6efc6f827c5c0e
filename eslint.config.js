import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // kafkajs must load after logship's fast path (src/services/kafkajs-fast-path.ts)
    files: ['src/**/*.ts'],
    ignores: ['src/services/kafkajs.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'kafkajs', message: "import kafkajs from src/services/kafkajs.ts, which installs logship's fast path first" }] }],
    },
  },
);
