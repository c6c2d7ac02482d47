// Entry point of the integration suite inside an extension host: the @vscode/test-electron
// convention (runTest.ts passes this file as extensionTestsPath) and the e2e harness's
// test-only extension both call run(). It only runs the tests and reports through
// mocha; it writes no files of its own.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, slow: 10_000 });
  for (const name of readdirSync(__dirname).sort()) {
    if (name.endsWith('.test.js')) mocha.addFile(join(__dirname, name));
  }
  return new Promise((resolve, reject) => {
    try {
      mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}
