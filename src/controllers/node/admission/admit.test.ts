import { describe, expect, test } from '@jest/globals';
import type { Node } from '../../../kube/index.js';
import { admission } from './admit.js';

const node = (name: string, providerID: string | undefined, ip: string | undefined): Node => ({
  metadata: { name },
  spec: providerID ? { providerID } : {},
  status: ip
    ? {
        addresses: [
          { type: 'InternalIP', address: ip },
          { type: 'Hostname', address: name },
        ],
      }
    : {},
});
const inst = { instanceId: 'i-abc', privateIp: '10.0.1.7', hostName: 'iZbp1abcZ' };

describe('admission', () => {
  const cases: [string, Node, typeof inst | undefined, Node[], boolean | RegExp][] = [
    [
      'default name <region>.<ip>',
      node('cn-hangzhou.10.0.1.7', 'cn-hangzhou.i-abc', '10.0.1.7'),
      inst,
      [],
      true,
    ],
    [
      'custom name prefix + ip + suffix',
      node('web10.0.1.7hz', 'cn-hangzhou.i-abc', '10.0.1.7'),
      inst,
      [],
      true,
    ],
    ['dashed ip (Windows)', node('web-10-0-1-7', 'alicloud://cn-hangzhou.i-abc', '10.0.1.7'), inst, [], true],
    ['the instance host name', node('izbp1abcz', 'cn-hangzhou.i-abc', '10.0.1.7'), inst, [], true],
    ['no providerID', node('cn-hangzhou.10.0.1.7', undefined, '10.0.1.7'), inst, [], /no providerID/],
    [
      'not a member',
      node('cn-hangzhou.10.0.1.7', 'cn-hangzhou.i-abc', '10.0.1.7'),
      undefined,
      [],
      /not a member/,
    ],
    [
      'another IP',
      node('cn-hangzhou.10.0.1.7', 'cn-hangzhou.i-abc', '10.0.9.9'),
      inst,
      [],
      /InternalIP 10.0.9.9 is not/,
    ],
    [
      "a name without the instance's IP",
      node('rogue', 'cn-hangzhou.i-abc', '10.0.1.7'),
      inst,
      [],
      /name does not carry/,
    ],
    [
      'another Node claims the same instance',
      node('cn-hangzhou.10.0.1.7', 'cn-hangzhou.i-abc', '10.0.1.7'),
      inst,
      [
        node('cn-hangzhou.10.0.1.7', 'cn-hangzhou.i-abc', '10.0.1.7'),
        node('x-10.0.1.7', 'cn-hangzhou.i-abc', '10.0.1.7'),
      ],
      /also claimed by Node x-10.0.1.7/,
    ],
  ];
  test.each(cases)('%s', (_name, n, i, claimants, want) => {
    const a = admission(n, i, claimants.length ? claimants : [n]);
    if (want === true) expect(a).toEqual({ admit: true });
    else expect(a.admit ? 'admitted' : a.why).toMatch(want as RegExp);
  });
});
