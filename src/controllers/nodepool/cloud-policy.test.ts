import { describe, expect, test } from '@jest/globals';
import {
  ATTACHABLE_TAG,
  existingInstancesProblem,
  ramRoleProblem,
  securityGroupsProblem,
} from './cloud-policy.js';

describe("what a pool may borrow from the operator's cloud identity", () => {
  test.each([
    ['k8s-worker-role', {}, true],
    ['KubernetesWorkerRole-4f0c9a', {}, true],
    ['AliyunECSInstanceForYundunSysTrustRole', {}, false],
    ['AdministratorRole', { allowedRamRoles: ['k8s-*'] }, false],
    ['k8s-gpu-role', { allowedRamRoles: ['k8s-*'] }, true],
    ['k8s-worker-role', { allowedRamRoles: ['other-role'] }, false],
    ['AdministratorRole', { allowedRamRoles: ['*'] }, true],
  ] as const)('RAM role %s with %j: allowed %s', (role, policy, allowed) => {
    expect(ramRoleProblem(role, policy) === undefined).toBe(allowed);
  });

  test('a refused role names the field, the role and the setting', () => {
    expect(ramRoleProblem('AdministratorRole', {})).toBe(
      "spec.ramRoleName: RAM role AdministratorRole is not one the operator may attach (--allowed-ram-roles: KubernetesWorkerRole*, k8s-worker-role); ask the cluster's administrators to allow it",
    );
  });

  test('security groups: any when the list is empty, else only those listed', () => {
    expect(securityGroupsProblem(['sg-a', 'sg-b'], {})).toBeUndefined();
    expect(securityGroupsProblem(['sg-a'], { allowedSecurityGroups: ['sg-a'] })).toBeUndefined();
    expect(securityGroupsProblem(['sg-a', 'sg-b'], { allowedSecurityGroups: ['sg-a'] })).toMatch(
      /^spec\.securityGroup\.ids: security group\(s\) sg-b are not allowed/,
    );
  });

  test('existing instances: they must exist, be in no other group, and carry the opt-in tag', () => {
    const tagged = { instanceId: 'i-1', tags: { [ATTACHABLE_TAG]: 'true' } };
    expect(existingInstancesProblem(['i-1'], [tagged], 'asg-1', 'cn-hangzhou')).toBeUndefined();
    expect(existingInstancesProblem(['i-1', 'i-2'], [tagged], 'asg-1', 'cn-hangzhou')).toMatch(
      /i-2 do not exist/,
    );
    const elsewhere = {
      instanceId: 'i-1',
      tags: { [ATTACHABLE_TAG]: 'true', 'acs:autoscaling:scalingGroupId': 'asg-9' },
    };
    expect(existingInstancesProblem(['i-1'], [elsewhere], 'asg-1', 'cn-hangzhou')).toMatch(
      /another scaling group/,
    );
    expect(
      existingInstancesProblem(['i-1'], [{ instanceId: 'i-1', tags: {} }], 'asg-1', 'cn-hangzhou'),
    ).toMatch(/do not carry the tag nodepool\.alicloud\.dev\/attachable=true/);
    expect(
      existingInstancesProblem(
        ['i-1'],
        [{ instanceId: 'i-1', tags: { [ATTACHABLE_TAG]: 'yes' } }],
        'asg-1',
        'x',
      ),
    ).toBeDefined();
  });
});
