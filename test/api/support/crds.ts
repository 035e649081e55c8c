import { installCrds } from '../../../src/apis/install.js';
import { testCluster } from '../../support/access.js';

/**
 * Install the project's CRDs into the shared test control plane (server-side apply with --force-conflicts:
 * idempotent, so every test file may call it). CRDs are cluster-scoped and shared: never deleted by tests.
 */
export async function ensureCrds(): Promise<void> {
  const c = testCluster();
  await installCrds(c.kubectl, c.kubeconfig);
}
