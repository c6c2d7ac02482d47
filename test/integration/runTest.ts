// Runs the integration suite in a downloaded VS Code (needs internet):
//   npm run build && node dist/test-integration/runTest.js
// Offline and in CI the same suite runs inside code-server instead (test/e2e).
import { resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  // dist/test-integration/runTest.js → the repository root.
  const root = resolve(__dirname, '..', '..');
  try {
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: resolve(__dirname, 'index.js'),
      launchArgs: [resolve(root, 'test', 'integration', 'workspace'), '--disable-extensions', '--disable-workspace-trust'],
    });
  } catch (e) {
    console.error('Integration tests failed:', e instanceof Error ? e.message : e);
    process.exit(1);
  }
}

void main();
