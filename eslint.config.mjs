// ESLint flat config (npm run lint). typescript-eslint's recommended rules without type information:
// `npm run typecheck` (tsc over sources, unit tests and e2e) is the type-aware check, so lint stays fast.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'bench/results/**', 'coverage/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // An unused name is a finding; a leading underscore marks one kept on purpose (a tap's unused argument).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Type-only imports stay type-only, so a plugin's `import type` never loads a module at start-up.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A package is used through its `exports` (its src/index.ts), never by a path into it.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@mydocker/*/*', 'mydocker-*/*', '**/dist/*'], message: "Import the package by name: its package.json 'exports' is its public face." },
          ],
        },
      ],
      // `require()` inside a function is the house's load-on-first-use idiom: `apply()` runs on every
      // command and must stay cheap (core README, "Writing a plugin"), so a tap requires its module when it
      // first runs, typed with `as typeof import(...)`. A require at the top of a module buys nothing over
      // an import, so that one is still refused.
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-syntax': [
        'error',
        {
          selector: "Program > :matches(VariableDeclaration, ExpressionStatement) CallExpression[callee.name='require']:not(:function CallExpression)",
          message: 'Use import at the top of a module; require() is for loading on first use inside a function.',
        },
      ],
    },
  },
  {
    // Issue 16: no function over 80 lines in a package's sources (tests may hold long describe blocks).
    files: ['packages/*/src/**/*.ts', 'examples/*/src/**/*.ts'],
    ignores: ['**/__tests__/**', '**/*.test.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // Plain CommonJS scripts: the bins, the bundler, jest configs, bench and tools.
    files: ['**/*.js', '**/*.cjs', 'packages/*/bin/mydocker'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
);
