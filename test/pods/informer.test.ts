import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { pino } from 'pino';
import { PodSchema, KubeClient, Resources, loadKubeConfig } from '../../src/kube/index.js';
import { InformerFactory } from '../../src/runtime/informer-factory.js';
import { podInformer, podsOnNode, unschedulablePods } from '../../src/controllers/pods/index.js';
import { testCluster } from '../support/access.js';
import { eventually, kubectlOk, uniqueName } from '../support/kube.js';

const ns = uniqueName('pods-inf');
const log = pino({ level: 'silent' });
let client: KubeClient;
let informers: InformerFactory;

beforeAll(async () => {
  client = new KubeClient(loadKubeConfig({ kubeconfig: testCluster().kubeconfig }));
  informers = new InformerFactory({ client, logger: log });
  await kubectlOk(['create', 'namespace', ns]);
});

afterAll(async () => {
  await informers.stop();
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  await client.close();
});

const manifest = (
  name: string,
  spec: Record<string, unknown>,
  annotations: Record<string, string> = {},
): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'x'.repeat(2000), ...annotations },
    },
    spec: {
      containers: [
        { name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m' } } },
      ],
      ...spec,
    },
  });

describe('the shared Pod informer', () => {
  test('one informer for every caller; pods by node; the unschedulable ones; trimmed annotations', async () => {
    const inf = podInformer(informers);
    // a second caller (another controller) gets the same informer, not a second watch
    expect(podInformer(informers)).toBe(inf);
    expect(informers.informer(Resources.pods, PodSchema)).toBe(inf);
    informers.start();
    expect(await inf.waitForSync()).toBe(true);

    const node = uniqueName('no-such-node');
    // bound by hand to a Node that does not exist: the API server accepts it, the scheduler never sees it
    await kubectlOk(['apply', '-f', '-'], {
      input: manifest('bound', { nodeName: node }, { 'nodepool.alicloud.dev/do-not-disrupt': 'true' }),
    });
    // no Node carries this label: the scheduler marks it PodScheduled=False / Unschedulable
    await kubectlOk(['apply', '-f', '-'], {
      input: manifest('stuck', { nodeSelector: { 'pods-inf/none': 'x' } }),
    });

    const bound = await eventually('the bound pod under its node', async () => podsOnNode(inf, node)[0]);
    expect(bound.metadata.name).toBe('bound');
    expect(bound.metadata.annotations).toEqual({ 'nodepool.alicloud.dev/do-not-disrupt': 'true' });
    const stuck = await eventually('the unschedulable pod', async () =>
      unschedulablePods(inf).find((p) => p.metadata.namespace === ns && p.metadata.name === 'stuck'),
    );
    expect(stuck.metadata.annotations).toBeUndefined();
    expect(
      unschedulablePods(inf).some((p) => p.metadata.name === 'bound' && p.metadata.namespace === ns),
    ).toBe(false);

    // deleted: it leaves the index
    await kubectlOk(['delete', 'pod', '-n', ns, 'stuck', '--wait=false']);
    await eventually('the deleted pod out of the index', async () =>
      unschedulablePods(inf).some((p) => p.metadata.namespace === ns && p.metadata.name === 'stuck')
        ? undefined
        : true,
    );
  });
});
