import { readFileSync } from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { poolSpecOf } from './kinds.js';
import { launchSpecOf } from './launch.js';

const example = parse(readFileSync('examples/nodepool-auto.yaml', 'utf8')) as Record<string, unknown> & {
  spec: Record<string, unknown>;
};
const ctx = { cluster: 'c-1', imageId: 'm-1', userData: 'IyEvYmluL3No' };

function launchOf(login: Record<string, unknown>) {
  const r = poolSpecOf('NodePool', { ...example, spec: { ...example.spec, login } });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return launchSpecOf(r.pool, ctx);
}

describe('launchSpecOf: login', () => {
  test('login.user ecs-user asks ECS for ecs-user logins (ImageOptions.LoginAsNonRoot)', () => {
    expect(launchOf({ user: 'ecs-user', keyPairName: 'ops-key' })).toMatchObject({
      keyPairName: 'ops-key',
      loginAsNonRoot: true,
    });
  });

  test('root, the default, sends nothing (the launch spec and its digest stay what they were)', () => {
    expect(launchOf({ user: 'root', keyPairName: 'ops-key' }).loginAsNonRoot).toBeUndefined();
    expect(launchOf({ keyPairName: 'ops-key' }).loginAsNonRoot).toBeUndefined();
  });
});
