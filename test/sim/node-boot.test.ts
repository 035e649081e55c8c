import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes, randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { caCertHash } from '../../src/bootstrap/ca-hash.js';
import type { BootstrapInputSource } from '../../src/bootstrap/input.js';
import { renderUserData } from '../../src/bootstrap/render.js';
import { NodeBootError, bootInstance, type InstanceToBoot } from '../../src/sim/nodes/index.js';
import { testCluster } from '../support/access.js';
import {
  createBootstrapToken,
  eventually,
  getJson,
  kubectl,
  kubectlOk,
  uniqueName,
} from '../support/kube.js';

interface NodeJson {
  metadata: { name: string; labels: Record<string, string> };
  spec: { providerID?: string; taints?: { key: string; value?: string; effect: string }[] };
  status: { conditions?: { type: string; status: string }[]; capacity?: Record<string, string> };
}

const created: string[] = [];
const removers: (() => Promise<void>)[] = [];
let caHash: string;
let token: string;
let expiredToken: string;

async function bootstrapToken(expiresInMs: number): Promise<string> {
  const t = await createBootstrapToken({ expiresInMs });
  removers.push(t.remove);
  return t.token;
}

beforeAll(async () => {
  caHash = caCertHash(await readFile(testCluster().caFile));
  token = await bootstrapToken(3600_000);
  expiredToken = await bootstrapToken(-3600_000);
});

afterAll(async () => {
  for (const ref of created) {
    const [kind, name] = ref.split('/');
    await kubectl([
      'delete',
      kind ?? '',
      name ?? '',
      '--wait=false',
      ...(kind === 'secret' ? ['-n', 'kube-system'] : []),
    ]);
  }
});

function pool(extra: Partial<BootstrapInputSource> = {}): BootstrapInputSource {
  return {
    pool: uniqueName('boot'),
    clusterId: 'c-local',
    image: 'AliyunLinux3ContainerOptimized',
    runtime: { name: 'containerd', version: '1.7.20' },
    labels: { workload: 'cpu' },
    taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
    mode: 'Managed',
    managed: { apiServer: testCluster().server, caCertHash: caHash, token, kubernetesVersion: 'v1.34.4' },
    ...extra,
  };
}

function instance(input: BootstrapInputSource, extra: Partial<InstanceToBoot> = {}): InstanceToBoot {
  const ip = `10.77.${randomInt(0, 255)}.${randomInt(1, 254)}`;
  return {
    metadata: {
      instanceId: `i-${randomBytes(8).toString('hex')}`,
      regionId: 'cn-hangzhou',
      zoneId: 'cn-hangzhou-h',
      privateIp: ip,
      instanceType: 'ecs.g7.xlarge',
    },
    userDataBase64: renderUserData(input).base64,
    resources: { cpu: 4, memoryMiB: 16384 },
    ...extra,
  };
}

async function boot(i: InstanceToBoot): Promise<string> {
  const booted = await bootInstance(i, { apiServer: testCluster().server });
  created.push(`node/${booted.nodeName}`);
  return booted.nodeName;
}

describe('the node simulation boots instances from their real user data', () => {
  test('Managed: the instance joins by TLS bootstrap and registers the Node its bootstrap configured; kwok makes it Ready and runs a pod on it', async () => {
    const input = pool();
    const inst = instance(input);
    const name = await boot(inst);
    expect(name).toBe(`cn-hangzhou.${inst.metadata.privateIp}`);
    const node = await getJson<NodeJson>(['node', name]);
    expect(node.spec.providerID).toBe(`cn-hangzhou.${inst.metadata.instanceId}`);
    expect(node.metadata.labels).toMatchObject({
      'nodepool.alicloud.dev/pool': input.pool,
      workload: 'cpu',
      'node.kubernetes.io/instance-type': 'ecs.g7.xlarge',
      'topology.kubernetes.io/region': 'cn-hangzhou',
      'topology.kubernetes.io/zone': 'cn-hangzhou-h',
      'kubernetes.io/hostname': name,
    });
    // (the node lifecycle controller may add node.kubernetes.io/not-ready until kwok reports Ready)
    expect(node.spec.taints).toContainEqual({ key: 'dedicated', value: 'batch', effect: 'NoSchedule' });
    expect(node.status.capacity).toMatchObject({ cpu: '4', memory: '16Gi' }); // the apiserver canonicalises 16384Mi
    // the node registered as itself, through the Node authorizer: its CSR was the kubelet client signer's
    const csrs = await getJson<{
      items: { spec: { username: string; signerName: string }; metadata: { name: string } }[];
    }>(['csr']);
    const mine = csrs.items.filter((c) => c.metadata.name.startsWith(`node-csr-${name}-`));
    expect(mine.length).toBe(1);
    expect(mine[0]?.spec.signerName).toBe('kubernetes.io/kube-apiserver-client-kubelet');
    expect(mine[0]?.spec.username).toBe(`system:bootstrap:${token.split('.')[0] ?? ''}`);
    await kubectl(['delete', 'csr', mine[0]?.metadata.name ?? '', '--wait=false']);

    await eventually('the Node to be Ready', async () => {
      const n = await getJson<NodeJson>(['node', name]);
      return n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    });
    const ns = 'default';
    const pod = uniqueName('on-node');
    await kubectlOk(['apply', '-f', '-'], {
      input: stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: pod, namespace: ns },
        spec: {
          nodeSelector: { 'kubernetes.io/hostname': name },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
          containers: [{ name: 'app', image: 'registry.example/app:1' }],
        },
      }),
    });
    try {
      await eventually('the pod to run on the node', async () => {
        const p = await getJson<{ spec: { nodeName?: string }; status: { phase?: string } }>([
          'pod',
          pod,
          '-n',
          ns,
        ]);
        return p.spec.nodeName === name && p.status.phase === 'Running' ? true : undefined;
      });
    } finally {
      await kubectl(['delete', 'pod', pod, '-n', ns, '--wait=false', '--grace-period=0', '--force']);
    }
  });

  test('a wrong or expired token fails the join with 401 and no Node appears', async () => {
    for (const bad of [`${randomBytes(3).toString('hex')}.${randomBytes(8).toString('hex')}`, expiredToken]) {
      const inst = instance(
        pool({
          managed: {
            apiServer: testCluster().server,
            caCertHash: caHash,
            token: bad,
            kubernetesVersion: 'v1.34.4',
          },
        }),
      );
      const err = await bootInstance(inst, { apiServer: testCluster().server }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NodeBootError);
      expect((err as Error).message).toMatch(/bootstrap token was rejected \(401/);
      expect((await kubectl(['get', 'node', `cn-hangzhou.${inst.metadata.privateIp}`])).code).not.toBe(0);
    }
  });

  test('a wrong CA hash or endpoint stops the boot in the script, at the cluster-ca step', async () => {
    const wrongHash = instance(
      pool({
        managed: {
          apiServer: testCluster().server,
          caCertHash: `sha256:${'0'.repeat(64)}`,
          token,
          kubernetesVersion: 'v1.34.4',
        },
      }),
    );
    const e1 = await bootInstance(wrongHash, { apiServer: testCluster().server }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(NodeBootError);
    expect((e1 as NodeBootError).lastStep).toBe('cluster-ca');

    const wrongEndpoint = instance(
      pool({
        managed: {
          apiServer: 'https://127.0.0.1:9',
          caCertHash: caHash,
          token,
          kubernetesVersion: 'v1.34.4',
        },
      }),
    );
    const e2 = await bootInstance(wrongEndpoint, { apiServer: testCluster().server }).catch(
      (e: unknown) => e,
    );
    expect(e2).toBeInstanceOf(NodeBootError);
    expect((e2 as NodeBootError).lastStep).toBe('cluster-ca');
  });

  test('External: the join command from the user data joins the node, carrying the ALIBABA_CLOUD_* labels', async () => {
    const server = new URL(testCluster().server);
    const scriptURL = 'https://files.example/join-ecs-nodes.sh';
    const input = pool({
      mode: 'External',
      managed: undefined,
      external: {
        scriptURL,
        joinCommand: `kubeadm join ${server.host} --token ${token} --discovery-token-ca-cert-hash ${caHash}`,
        kubeVersion: '1.34.4',
        runtime: 'containerd',
        runtimeVersion: '1.7.20',
      },
    });
    const inst = instance(input, { http: { [scriptURL]: '#!/bin/bash\necho "preparing the node"\n' } });
    const name = await boot(inst);
    const node = await getJson<NodeJson>(['node', name]);
    expect(node.metadata.labels).toMatchObject({
      'alibabacloud.com/nodepool-id': input.pool,
      'alibabacloud.com/external': 'true',
      'alibabacloud.com/instance-id': inst.metadata.instanceId,
      'ack.aliyun.com': 'c-local',
      workload: 'cpu',
    });
    expect(node.spec.providerID).toBe(`cn-hangzhou.${inst.metadata.instanceId}`);

    const badHash = instance(
      pool({
        ...input,
        external: {
          ...input.external!,
          joinCommand: `kubeadm join ${server.host} --token ${token} --discovery-token-ca-cert-hash sha256:${'1'.repeat(64)}`,
        },
      }),
      { http: { [scriptURL]: '#!/bin/bash\n' } },
    );
    const err = await bootInstance(badHash, { apiServer: testCluster().server }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/does not match --discovery-token-ca-cert-hash/);
  });
});
