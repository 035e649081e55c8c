import { readFileSync } from 'node:fs';
import { TEST_ACCESS_ENV, TEST_RUNS_DIR } from '../../src/devstack/testing.js';

/** How integration tests reach the control plane the global setup started. */
export interface TestCluster {
  server: string;
  caFile: string;
  kubeconfig: string;
  developerKubeconfig: string;
  kubectl: string;
  runDir: string;
  pids: Record<string, number>;
}

export const ACCESS_ENV = TEST_ACCESS_ENV;
export { TEST_RUNS_DIR };

export function testCluster(): TestCluster {
  const file = process.env[ACCESS_ENV];
  if (!file)
    throw new Error(`${ACCESS_ENV} is not set: run integration tests through jest's global setup (npm test)`);
  return JSON.parse(readFileSync(file, 'utf8')) as TestCluster;
}
