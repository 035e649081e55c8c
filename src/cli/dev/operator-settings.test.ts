import { describe, expect, test } from '@jest/globals';
import { defaultWorld } from '../../sim/cloud/index.js';
import { devOperatorEnv, devOperatorSettings } from './operator-settings.js';

const simEnv = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIdev',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
  ALIBABA_CLOUD_REGION_ID: 'cn-shanghai',
  ALIBABA_CLOUD_ECS_ENDPOINT: '127.0.0.1:4000',
  ALIBABA_CLOUD_ESS_ENDPOINT: '127.0.0.1:4000',
  ALIBABA_CLOUD_VPC_ENDPOINT: '127.0.0.1:4000',
  ALIBABA_CLOUD_STS_ENDPOINT: '127.0.0.1:4000',
  ALIBABA_CLOUD_PROTOCOL: 'http',
  SIM_ADMIN_URL: 'http://127.0.0.1:4001',
};

describe('devOperatorSettings', () => {
  test("the dev cluster, the simulator's region, VPC, endpoints and AccessKey; free loopback ports", () => {
    const world = defaultWorld();
    const s = devOperatorSettings({
      kubeconfig: '/x/admin.kubeconfig',
      apiServer: 'https://127.0.0.1:6443',
      simEnv,
      world,
    });
    expect(s).toMatchObject({
      kubeconfig: '/x/admin.kubeconfig',
      namespace: 'kube-system',
      clusterId: 'c-dev',
      region: 'cn-shanghai',
      vpcId: world.regions[1]!.vpcs[0]!.vpcId,
      apiserverEndpoint: 'https://127.0.0.1:6443',
      accessKeyId: 'LTAIdev',
      accessKeySecret: 'secret',
      ecsEndpoint: '127.0.0.1:4000',
      essEndpoint: '127.0.0.1:4000',
      cloudProtocol: 'http',
      healthProbeBindAddress: { host: '127.0.0.1', port: 0 },
      metricsBindAddress: { host: '127.0.0.1', port: 0 },
    });
    expect(devOperatorEnv(s)).toEqual({
      NODEPOOL_CLUSTER_ID: 'c-dev',
      NODEPOOL_VPC_ID: world.regions[1]!.vpcs[0]!.vpcId,
      NODEPOOL_APISERVER_ENDPOINT: 'https://127.0.0.1:6443',
    });
  });
});
