// ESLint: the import boundaries of docs/ARCHITECTURE.md ("Layers") and the habits every file keeps. Formatting is
// prettier's (.prettierrc.json), not ESLint's.
import tseslint from 'typescript-eslint';

/** What each layer of src/ may not import (the layers below it are allowed; see test/unit/architecture.test.ts). */
const FORBIDDEN = {
  core: ['ports', 'adapters', 'operations', 'engine', 'ui', 'cli'],
  ports: ['adapters', 'operations', 'engine', 'ui', 'cli'],
  adapters: ['operations', 'engine', 'ui', 'cli'],
  operations: ['adapters', 'engine', 'ui', 'cli'],
  engine: ['adapters', 'ui', 'cli'],
  ui: ['adapters', 'cli'],
};

const boundary = (layer, forbidden, files = [`src/${layer}/**/*.{ts,tsx}`], ignores = []) => ({
  files,
  ignores,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((other) => ({
          group: [`**/${other}/**`, `../${other}/*`],
          message: `${layer} may not import ${other} (docs/ARCHITECTURE.md, "Layers")`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'examples/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
    },
  },
  // Tests read engine JSON and compose's output as the loose documents they are.
  { files: ['test/**/*.{ts,tsx}', 'bench/**/*.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  { files: ['src/**/*.{ts,tsx}'], rules: { 'max-lines': ['error', { max: 500 }] } },
  ...Object.entries(FORBIDDEN).map(([layer, forbidden]) => boundary(layer, forbidden)),
  // The composition root: in cli/, only context.ts creates adapters.
  boundary('cli', ['adapters'], ['src/cli/**/*.{ts,tsx}'], ['src/cli/context.ts']),
);
