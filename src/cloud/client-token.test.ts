import { describe, expect, it } from '@jest/globals';
import { clientToken, stableJson } from './client-token.js';

describe('clientToken', () => {
  const params = { ScalingGroupId: 'asg-1', InstanceId: ['i-1', 'i-2'], RemovePolicy: 'release' };

  it('is the same for a retry of the same operation, whatever the key order', () => {
    const a = clientToken('op-1', 'RemoveInstances', params);
    const b = clientToken('op-1', 'RemoveInstances', {
      RemovePolicy: 'release',
      InstanceId: ['i-1', 'i-2'],
      ScalingGroupId: 'asg-1',
    });
    expect(a).toBe(b);
  });

  it('differs between two operations with the same parameters', () => {
    expect(clientToken('op-1', 'RemoveInstances', params)).not.toBe(
      clientToken('op-2', 'RemoveInstances', params),
    );
  });

  it('differs when the parameters or the action change', () => {
    const base = clientToken('op-1', 'RemoveInstances', params);
    expect(clientToken('op-1', 'RemoveInstances', { ...params, InstanceId: ['i-2', 'i-1'] })).not.toBe(base);
    expect(clientToken('op-1', 'DetachInstances', params)).not.toBe(base);
  });

  it('fits the cloud rule: at most 64 printable ASCII characters', () => {
    for (let i = 0; i < 200; i++) {
      const t = clientToken(`op-${i}-${'x'.repeat(i)}`, 'RunInstances', {
        Amount: i,
        Tag: [{ Key: 'k', Value: 'v'.repeat(i) }],
      });
      expect(t.length).toBeLessThanOrEqual(64);
      expect(t).toMatch(/^[\x21-\x7e]+$/);
    }
  });

  it('refuses an empty operation id (it would make unrelated writes share a token)', () => {
    expect(() => clientToken(' ', 'RunInstances', {})).toThrow(/operation id/);
  });

  it('stableJson leaves undefined members out and keeps array order', () => {
    expect(stableJson({ b: 1, a: undefined, c: [2, 1] })).toBe('{"b":1,"c":[2,1]}');
  });

  it('never hashes the user data or the password: the same operation replays whatever they are now', () => {
    const run = { RegionId: 'cn-hangzhou', InstanceType: 'ecs.g7.xlarge', Amount: 1 };
    const a = clientToken('op-1', 'RunInstances', {
      ...run,
      userData: 'token=aaaaaa.0123456789abcdef',
      password: 'Secret-1',
    });
    const b = clientToken('op-1', 'RunInstances', {
      ...run,
      UserData: 'token=bbbbbb.fedcba9876543210',
      Password: 'Other-2',
    });
    expect(a).toBe(b);
    expect(a).toBe(clientToken('op-1', 'RunInstances', run));
    expect(clientToken('op-1', 'RunInstances', { ...run, Amount: 2 })).not.toBe(a);
  });
});
