// ESLint (flat config) for the whole tree, run by `npm test` before mocha.
// - The recommended rules of ESLint and typescript-eslint, without type information, so
//   the lint stays a few seconds; the TypeScript compiler already checks types.
// - `vscode` may only be imported by the extension shell and its in-editor tests: the
//   engine runs in plain Node (CLI, mocha, the engine process) too. This replaces the
//   mocha test that grepped the core for it.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// `_`-prefixed names are deliberately unused (callback slots, destructured leftovers).
const unusedOptions = { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' };

const VSCODE_ONLY_IN_SHELL = 'Only src/extension (and test/integration, test/e2e) may import vscode: the engine must run in plain Node.';
const noVscode = {
  'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: VSCODE_ONLY_IN_SHELL }] }],
  // The same for the forms no-restricted-imports does not see: require(), import(), and
  // TypeScript's `import x = require()`.
  'no-restricted-syntax': [
    'error',
    ...["CallExpression[callee.name='require'][arguments.0.value='vscode']", "ImportExpression[source.value='vscode']", "TSExternalModuleReference[expression.value='vscode']"].map(
      (selector) => ({ selector, message: VSCODE_ONLY_IN_SHELL }),
    ),
  ],
};

// The layers (README, "Architecture"): each folder may import only the folders below it.
//   analysis, shared: pure, for every process (shared also in the browser); never the engine, the hosts or a shell.
//   hosted: runs user code in workers and children; never the engine's side (engineHost.ts, the engine process's
//           entry, is the one exception), nor a shell.
//   engine: never a shell, nor the webview.
//   webview: the browser; never the engine, the hosts or a shell.
const layer = (forbidden, why, allowed = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: [{ name: 'vscode', message: VSCODE_ONLY_IN_SHELL }],
      patterns: [{ group: [...forbidden.map((f) => `**/${f}/**`), ...allowed.map((a) => `!**/${a}`)], message: why }],
    },
  ],
});
const LAYERS = [
  { files: ['src/analysis/**', 'src/shared/**'], forbidden: ['engine', 'hosted', 'extension', 'cli', 'webview'], why: 'analysis and shared are pure: they import only each other (shared never analysis) and node built-ins.' },
  { files: ['src/hosted/**'], ignores: ['src/hosted/engineHost.ts'], forbidden: ['engine', 'extension', 'cli', 'webview'], why: 'hosts run user code: they share protocols through src/shared, never engine code.' },
  // The standalone HTML report embeds the panel, so it speaks the panel's protocol.
  { files: ['src/engine/**'], forbidden: ['extension', 'cli', 'webview'], allowed: ['webview/protocol'], why: 'the engine runs without a shell: the shells call it, never the other way round.' },
  { files: ['src/webview/**'], forbidden: ['engine', 'hosted', 'extension', 'cli'], why: 'the webview runs in the browser: it reads the report and shared words only.' },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.vscode-test/**',
      'e2e-artifacts/**',
      'bench/dist/**',
      // User code profiled by the tests: some of it is broken on purpose (syntax errors,
      // a binary file, crashes), and all of it is written as users write code.
      'test/fixtures/**',
      'bench/fixtures/**',
      'test/e2e/workspace/**',
      'test/integration/workspace/**',
    ],
  },
  js.configs.recommended,
  // TypeScript rules (and parser) for TypeScript only; plain JS gets ESLint's own.
  ...tseslint.configs.recommended.map((c) => ({ ...c, files: ['**/*.ts'] })),
  {
    languageOptions: {
      ecmaVersion: 2022,
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { 'no-unused-vars': ['error', unusedOptions], ...noVscode },
  },
  {
    files: ['**/*.ts'],
    rules: { 'no-unused-vars': 'off', '@typescript-eslint/no-unused-vars': ['error', unusedOptions] },
  },
  {
    // Plain JS: CommonJS where it says so, browser globals in the webview and e2e pages.
    files: ['**/*.cjs', 'bin/**/*.js', 'examples/**/*.js', 'test/e2e/test-extension/**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
  },
  {
    files: ['test/**'],
    // Tests strip ANSI colour codes (\x1b[...m) from CLI output.
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    // Tests catch errors as `any` to assert on their fields.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/webview/**/*.ts', 'test/e2e/**/*.mjs'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  ...LAYERS.map(({ files, ignores, forbidden, allowed, why }) => ({ files, ...(ignores ? { ignores } : {}), rules: layer(forbidden, why, allowed) })),
  {
    // shared sits below analysis: words and protocols never import the analysis.
    files: ['src/shared/**'],
    rules: layer(['engine', 'hosted', 'extension', 'cli', 'webview', 'analysis'], 'shared is the lowest layer: report types, protocols and words import nothing above them.'),
  },
  {
    // The shell and the suites that run inside VS Code are the only vscode importers.
    files: ['src/extension/**', 'test/integration/**', 'test/e2e/**'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-syntax': 'off' },
  },
);
