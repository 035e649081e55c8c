import { describe, expect, test } from '@jest/globals';
import { SettingsError, redactedSettings, resolveSettings } from './settings.js';

describe('run settings', () => {
  test('defaults match controller-runtime and the design: :8081 probes, :8080 metrics, 15/10/2 s lease', () => {
    const s = resolveSettings({}, {}, () => 'abcd');
    expect(s.healthProbeBindAddress).toEqual({ host: undefined, port: 8081 });
    expect(s.metricsBindAddress).toEqual({ host: undefined, port: 8080 });
    expect([s.leaseDuration, s.renewDeadline, s.retryPeriod]).toEqual([15_000, 10_000, 2_000]);
    expect(s.namespace).toBe('kube-system');
    expect(s.leaderElectionNamespace).toBe('kube-system');
    expect(s.leaderElectionId).toBe('alicloud-nodepool-operator');
    expect(s.leaderElect).toBe(true);
    expect(s.identity).toMatch(/_abcd$/);
    expect(s.controllers).toEqual(['*']);
  });

  test('a flag beats the environment, which beats the default', () => {
    const env = {
      NODEPOOL_OPERATOR_NAMESPACE: 'ops',
      ALIBABA_CLOUD_REGION_ID: 'cn-beijing',
      NODEPOOL_METRICS_BIND_ADDRESS: '0',
    };
    const s = resolveSettings({ region: 'cn-hangzhou', leaderElectionRetryPeriod: '500ms' }, env);
    expect(s.region).toBe('cn-hangzhou');
    expect(s.namespace).toBe('ops');
    expect(s.leaderElectionNamespace).toBe('ops');
    expect(s.metricsBindAddress).toBeUndefined();
    expect(s.retryPeriod).toBe(500);
  });

  test('bad input names the flag, the variable it came from and the rule; secrets are never echoed', () => {
    const err = (() => {
      try {
        resolveSettings(
          { healthProbeBindAddress: 'localhost', apiserverEndpoint: 'http://x:6443', leaderElect: 'maybe' },
          { NODEPOOL_VPC_ID: 'net-1', ALIBABA_CLOUD_ACCESS_KEY_ID: ' ' },
        );
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(SettingsError);
    const problems = (err as SettingsError).problems.join('\n');
    expect(problems).toContain(
      '--health-probe-bind-address="localhost": must be host:port, :port, or 0 to disable',
    );
    expect(problems).toContain('NODEPOOL_VPC_ID (--vpc-id)="net-1": must be a VPC id');
    expect(problems).toContain('--apiserver-endpoint="http://x:6443": must be an https:// URL');
    expect(problems).toContain('--leader-elect="maybe": must be true or false');
    expect(problems).toContain('ALIBABA_CLOUD_ACCESS_KEY_ID (--access-key-id)=(hidden)');
  });

  test('lease timings must be ordered; AccessKey id and secret come together; logs get them redacted', () => {
    expect(() => resolveSettings({ leaderElectionRenewDeadline: '20s' }, {})).toThrow(
      /lease-duration must be greater than/,
    );
    expect(() => resolveSettings({}, { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' })).toThrow(/set together/);
    const s = resolveSettings(
      {},
      { ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAIid', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sekrit' },
    );
    expect(JSON.stringify(redactedSettings(s))).not.toContain('sekrit');
    expect(redactedSettings(s).accessKeySecret).toBe('(redacted)');
  });

  test('cloud limits, per-action QPS and the RRSA trio are validated', () => {
    const s = resolveSettings({}, { NODEPOOL_CLOUD_ACTION_QPS: 'RunInstances=5, DescribeInstances=20.5' });
    expect(s.cloudActionQps).toEqual({ RunInstances: 5, DescribeInstances: 20.5 });
    expect(s.cloudQps).toBe(40);
    expect(s.cloudActionDefaultQps).toBe(10);
    expect(s.cloudTimeout).toBe(15_000);
    expect(() => resolveSettings({}, { NODEPOOL_CLOUD_ACTION_QPS: 'RunInstances:5' })).toThrow(
      /NODEPOOL_CLOUD_ACTION_QPS \(--cloud-action-qps\)="RunInstances:5": must be Action=qps pairs/,
    );
    expect(() => resolveSettings({ cloudQps: '0' }, {})).toThrow(/--cloud-qps="0": must be a number above 0/);
    expect(() => resolveSettings({}, { ALIBABA_CLOUD_ROLE_ARN: 'acs:ram::123:role/x' })).toThrow(
      /set together or not at all/,
    );
    expect(() => resolveSettings({ roleArn: 'arn:aws:iam::1:role/x' }, {})).toThrow(/must be a RAM role ARN/);
    const t = resolveSettings({}, { ALIBABA_CLOUD_SECURITY_TOKEN: 'sts-token-value' });
    expect(JSON.stringify(redactedSettings(t))).not.toContain('sts-token-value');
  });
});
