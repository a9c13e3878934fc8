// Lint rules: typescript-eslint's type-aware recommended set, over the suite, its support code and scripts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'reports/', '.cache/', 'support/broker/sas-keys/target/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Unused values are a type-check error already (noUnusedLocals); `_name` marks a deliberate one.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Vitest fixtures take an empty destructuring pattern for "no dependencies".
      'no-empty-pattern': 'off',
      // Interfaces we implement (Vitest sequencers and fixtures, kafkajs handlers, testcontainers hooks) want async methods.
      '@typescript-eslint/require-await': 'off',
      // Errors are rethrown with a redacted message on purpose, without the cause: a cause may hold a secret
      // (a connection string in a client error, broker output), and reporters print cause chains.
      'preserve-caught-error': 'off',
      // A procedure longer than a screen becomes named steps (see PREFLIGHT_STAGES); warn-level, so the few that
      // read best whole carry a comment saying why where they stand.
      'max-lines-per-function': ['warn', { max: 60, skipBlankLines: true, skipComments: true, IIFEs: true }],
      complexity: ['warn', 20],
    },
  },
  {
    // Self tests inspect parsed YAML and JSON documents (workflows, compose files, reports): untyped by nature.
    files: ['tests/unit/**/*.ts', 'tests/e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // A test file's describe block holds its tests: its length is the file's, not a procedure's.
    files: ['tests/**/*.ts'],
    rules: { 'max-lines-per-function': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
