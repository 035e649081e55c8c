import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as Devstack from '../../src/devstack/index.js';
import type * as Testing from '../../src/devstack/testing.js';
import type { TestCluster } from './access.js';

// Jest loads global setup outside its ESM module system (no moduleNameMapper), so this imports the built code,
// which `npm test` compiles first, by its real file path (jest runs from the repository root).
const dist = (name: string): string => join(process.cwd(), 'dist', 'devstack', `${name}.js`);

declare global {
  var __nodepoolDevStack: Devstack.DevStack | undefined;
}

/** One control plane for the whole run: integration tests isolate themselves by namespace or name prefix. */
export default async function globalSetup(): Promise<void> {
  const { DevStack, DevstackError, cleanStaleUnder } = (await import(dist('index'))) as typeof Devstack;
  const { TEST_ACCESS_ENV: ACCESS_ENV, TEST_RUNS_DIR } = (await import(dist('testing'))) as typeof Testing;
  await mkdir(TEST_RUNS_DIR, { recursive: true });
  await cleanStaleUnder(TEST_RUNS_DIR);
  const runDir = join(TEST_RUNS_DIR, `run-${process.pid}`);
  const started = Date.now();
  let stack: Devstack.DevStack;
  try {
    stack = await DevStack.start({ runDir, report: (l) => process.stderr.write(`[devstack] ${l}\n`) });
  } catch (err) {
    if (err instanceof DevstackError) process.stderr.write(`\n${err.describe()}\n`);
    throw err;
  }
  process.stderr.write(
    `[devstack] control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${stack.server})\n`,
  );
  globalThis.__nodepoolDevStack = stack;
  const access: TestCluster = {
    server: stack.server,
    caFile: stack.caFile,
    kubeconfig: stack.kubeconfig,
    developerKubeconfig: stack.developerKubeconfig,
    kubectl: stack.binaries.bin.kubectl,
    runDir: stack.runDir,
    pids: stack.pids(),
  };
  const file = join(runDir, 'test-access.json');
  await writeFile(file, JSON.stringify(access, null, 2));
  process.env[ACCESS_ENV] = file;
}
