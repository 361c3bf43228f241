import js from '@eslint/js';
import jsxA11y from 'eslint-plugin-jsx-a11y';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Classic zod costs ~93 KB in every bundle (its schemas carry every method); zod/mini, on the same
// core, bundles only what is used (docs/performance.md). Build-time code may still use classic zod.
const CLASSIC_ZOD = "Lambda bundles use zod/mini (`import * as z from 'zod/mini'`): classic zod adds ~93 KB to each.";
const noClassicZod = {
  paths: [{ name: 'zod', message: CLASSIC_ZOD }],
  patterns: [{ regex: '^zod/(v3(/.*)?|v4|v4/classic(/.*)?)$', message: CLASSIC_ZOD }],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'web/dist/', 'test-results/', '.serverless/', '.serverless-*/', '.esbuild*/', '.local/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // What is bundled: `import { z } from 'zod'` makes esbuild bundle every zod locale (~360 KB per
    // bundle); the namespace import lets it tree-shake them (docs/performance.md).
    files: ['src/**/*.ts', 'functions/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "ImportDeclaration[source.value=/^zod(\\/.*)?$/] > ImportSpecifier", message: "Import zod as a namespace (`import * as z from 'zod/mini'`): named imports bundle every locale." },
      ],
      'no-restricted-imports': ['error', noClassicZod],
    },
  },
  {
    // Classic zod allowed only in the build-time generator (toJSONSchema; never bundled).
    files: ['src/contract/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The domain is pure TypeScript: no I/O, no SDKs, no middleware (see DESIGN.md, "Layers").
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: noClassicZod.paths,
          patterns: [
            {
              group: ['**/adapters/**', '**/http/**', '**/config/**', '@aws-sdk/*', 'aws-jwt-verify', '@middy/*', '@aws-lambda-powertools/*', 'node:*'],
              message: 'src/domain is pure: no adapters, SDKs, middleware or Node I/O.',
            },
            ...noClassicZod.patterns,
          ],
        },
      ],
    },
  },
  {
    // The console (web/, its own tsconfig for the DOM and JSX): hooks used as React requires, and
    // the JSX accessibility rules (the browser tests run axe on every screen besides).
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks, 'jsx-a11y': jsxA11y },
    rules: { ...reactHooks.configs.recommended.rules, ...jsxA11y.flatConfigs.strict.rules },
  },
  {
    // Tests read arbitrary JSON (responses, CloudFormation templates): `any` is the honest type there.
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
