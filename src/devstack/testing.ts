import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable through which jest's global setup tells test files where the cluster is. */
export const TEST_ACCESS_ENV = 'NODEPOOL_TEST_CLUSTER';

/** Parent of the test runs' run folders; folders of killed runs are cleaned at the next start. */
export const TEST_RUNS_DIR = join(tmpdir(), 'nodepool-operator-test-runs');
