// The fleet the boot benches launch: one pool's Managed user data (a real bootstrap token in the bench's own
// cluster, its CA's hash) on instances started with RunInstances through the signed RPC client, 100 at a time.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { caCertHash } from '../src/bootstrap/ca-hash.js';
import { renderUserData } from '../src/bootstrap/render.js';
import type { KubeClient } from '../src/kube/index.js';
import type { Simulator } from '../src/sim/cloud/index.js';
import { rpc, type Target } from './rpc.js';

export async function bootFleet(
  client: KubeClient,
  cluster: { server: string; caFile: string },
  sim: Simulator,
): Promise<{
  launch: (amount: number) => Promise<string[]>;
  /** One ECS call, signed, as the SDK would make it. */
  ecs: (action: string, params: Record<string, string | number>) => Promise<unknown>;
}> {
  const id = randomBytes(3).toString('hex');
  const secret = randomBytes(8).toString('hex');
  await client.request({
    method: 'POST',
    path: '/api/v1/namespaces/kube-system/secrets',
    body: {
      metadata: { name: `bootstrap-token-${id}` },
      type: 'bootstrap.kubernetes.io/token',
      stringData: {
        'token-id': id,
        'token-secret': secret,
        'usage-bootstrap-authentication': 'true',
        'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token',
        expiration: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    },
  });
  const ca = await readFile(cluster.caFile);
  const userData = renderUserData({
    pool: 'bench',
    clusterId: 'c-bench',
    image: 'AliyunLinux3ContainerOptimized',
    runtime: { name: 'containerd', version: '1.7.20' },
    dataDisks: 0,
    labels: { workload: 'bench' },
    mode: 'Managed',
    managed: {
      apiServer: cluster.server,
      caCertHash: caCertHash(ca),
      token: `${id}.${secret}`,
      kubernetesVersion: 'v1.34.4',
    },
  }).base64;
  const region = sim.world.regions[0]!;
  const target: Target = {
    endpoint: sim.endpoint,
    adminUrl: '',
    accessKeyId: sim.credentials.accessKeyId,
    accessKeySecret: sim.credentials.accessKeySecret,
    regionId: region.regionId,
  };
  const vSwitchId = region.vpcs[0]!.vSwitches.find((v) => v.name.startsWith('nodes-'))!.vSwitchId;
  return {
    ecs: (action, params) => rpc(target, action, params, '2014-05-26'),
    launch: async (amount: number): Promise<string[]> => {
      const ids: string[] = [];
      for (let left = amount; left > 0; left -= 100) {
        const r = await rpc(
          target,
          'RunInstances',
          {
            RegionId: region.regionId,
            ImageId: 'aliyun_3_x64_20G_container_optimized_alibase_20250629.vhd',
            InstanceType: 'ecs.g7.xlarge',
            VSwitchId: vSwitchId,
            SecurityGroupId: region.securityGroups[0]!.securityGroupId,
            Amount: Math.min(100, left),
            UserData: userData,
          },
          '2014-05-26',
        );
        ids.push(...((r.InstanceIdSets as { InstanceIdSet?: string[] } | undefined)?.InstanceIdSet ?? []));
      }
      return ids;
    },
  };
}
