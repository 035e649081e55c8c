import { describe, expect, test } from '@jest/globals';
import { passwordProblem, securityGroupProblem } from './resolve.js';

describe('security groups as the cloud has them', () => {
  const spec = (type: 'Basic' | 'Advanced', ids: string[]) => ({
    vpcId: 'vpc-1',
    securityGroup: { type, ids },
  });
  const basic = { id: 'sg-basic', vpcId: 'vpc-1', type: 'normal' };
  const adv = { id: 'sg-adv', vpcId: 'vpc-1', type: 'enterprise' };
  test('matching type and VPC: no problem', () => {
    expect(securityGroupProblem(spec('Basic', ['sg-basic']), [basic])).toBeUndefined();
    expect(securityGroupProblem(spec('Advanced', ['sg-adv']), [adv])).toBeUndefined();
  });
  test('missing, other VPC, other type: each named with the field', () => {
    expect(securityGroupProblem(spec('Basic', ['sg-gone']), [basic])).toBe(
      "spec.securityGroup.ids: security group sg-gone does not exist in the pool's region",
    );
    expect(securityGroupProblem(spec('Basic', ['sg-basic']), [{ ...basic, vpcId: 'vpc-2' }])).toBe(
      "spec.securityGroup.ids: security group sg-basic is in vpc-2, not the pool's VPC vpc-1",
    );
    expect(securityGroupProblem(spec('Basic', ['sg-basic', 'sg-adv']), [basic, adv])).toBe(
      'spec.securityGroup: sg-adv is an Advanced (enterprise) security group, but spec.securityGroup.type is Basic',
    );
    expect(securityGroupProblem(spec('Advanced', ['sg-basic']), [basic])).toBe(
      'spec.securityGroup: sg-basic is a Basic (normal) security group, but spec.securityGroup.type is Advanced',
    );
  });
  test('ECS password rules', () => {
    expect(passwordProblem('Short1!')).toBe('must be 8-30 characters');
    expect(passwordProblem('alllowercase1')).toBe(
      'must contain three of: upper-case letters, lower-case letters, digits, special characters',
    );
    expect(passwordProblem('Good-Passw0rd')).toBeUndefined();
  });
});
