import { afterAll, beforeAll } from '@jest/globals';
import { kubectl, kubectlOk, uniqueName } from '../../support/kube.js';
import { ensureCrds } from '../../api/support/crds.js';
import { CloudProxy } from './cloud-proxy.js';
import { startTestCloud, type TestCloud } from './cloud.js';
import { OperatorProcess } from './operator-process.js';

/** What a SIGKILL suite works with: the cloud, the recording proxy the operator talks through, the operator. */
export interface CrashRig {
  cloud: TestCloud;
  proxy: CloudProxy;
  operator: OperatorProcess;
  /** NODEPOOL_CRASH_SEED, or a random one (printed in the test's name so a failure can be replayed). */
  seed: number;
  /** Lagging reads (seconds; NODEPOOL_CRASH_READ_LAG, default 3): lookups cannot stand in for idempotency. */
  readLag: number;
}

/**
 * Starts, in `beforeAll`, the cloud (simulator + node simulation, reads lagging), the proxy and the operator
 * (`nodepool-operator run`, leader of its own lease) with `env`; stops them in `afterAll`. The rig's fields are
 * filled in before the suite's tests run.
 */
export function crashRig(opts: { clusterId: string; name: string; env?: Record<string, string> }): CrashRig {
  const ns = uniqueName(`${opts.clusterId}-lease`);
  const rig = {
    seed: Number(process.env.NODEPOOL_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31)),
    readLag: Number(process.env.NODEPOOL_CRASH_READ_LAG ?? 3),
  } as CrashRig;
  beforeAll(async () => {
    await ensureCrds();
    await kubectlOk(['create', 'namespace', ns]);
    rig.cloud = await startTestCloud(opts.clusterId, 200, rig.readLag);
    rig.proxy = new CloudProxy(rig.cloud.sim.endpoint);
    const endpoint = await rig.proxy.start();
    rig.operator = new OperatorProcess({
      identity: `${opts.clusterId}-0`,
      leaseName: `${opts.clusterId}-lease`,
      leaseNamespace: ns,
      cloudEndpoint: endpoint,
      simEnv: rig.cloud.sim.env(),
      clusterId: opts.clusterId,
      vpcId: rig.cloud.world.vpcId,
      logName: `${opts.name}-${ns}`,
      ...(opts.env ? { env: opts.env } : {}),
    });
    await rig.operator.start();
  }, 120_000);
  afterAll(async () => {
    await rig.operator?.stop();
    await rig.proxy?.stop();
    await rig.cloud?.stop();
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  });
  return rig;
}
