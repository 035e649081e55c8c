import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateFiles } from './validate.js';

const good = `apiVersion: nodepool.alicloud.dev/v1beta1
kind: NodePool
metadata: {name: good}
spec:
  region: cn-hangzhou
  vpcId: vpc-a
  vSwitchIds: [vsw-a]
  scaling: {mode: Manual, desiredSize: 1}
  instanceTypes: [ecs.g7.xlarge]
  image: {type: ContainerOS}
  ramRoleName: role
  securityGroup: {ids: [sg-a]}
`;
const badAuto = good
  .replace('name: good', 'name: bad')
  .replace('{mode: Manual, desiredSize: 1}', '{mode: Auto, desiredSize: 1, maxSize: 3}');
const managed = `apiVersion: nodepool.alicloud.dev/v1beta1
kind: ManagedNodePool
metadata: {name: m}
spec:
  region: cn-hangzhou
  vpcId: vpc-a
  vSwitchIds: [vsw-a]
  instanceTypes: [ecs.g8y.xlarge]
  ramRoleName: role
  securityGroup: {ids: [sg-a]}
  login: {keyPairName: k}
`;

let dir: string;
async function check(files: string[], stdin = ''): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await validateFiles(
    files,
    (l) => lines.push(l),
    async () => stdin,
  );
  return { code, lines };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'validate-'));
  await writeFile(join(dir, 'good.yaml'), `${good}---\n${good.replace('name: good', 'name: good2')}`);
  await writeFile(join(dir, 'mixed.yaml'), `${good}---\n${badAuto}---\n`);
  await writeFile(join(dir, 'managed.yaml'), managed);
  await writeFile(join(dir, 'empty.yaml'), '# nothing\n');
  await writeFile(join(dir, 'other.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n');
  await writeFile(join(dir, 'broken.yaml'), 'kind: NodePool\n  bad: [indent\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('nodepool-operator validate', () => {
  test('valid multi-document file: exit 0, silent', async () => {
    expect(await check([join(dir, 'good.yaml')])).toEqual({ code: 0, lines: [] });
  });

  test('one line per problem: file:Kind/name: spec.path: message', async () => {
    const f = join(dir, 'mixed.yaml');
    expect(await check([f])).toEqual({
      code: 1,
      lines: [
        `${f}:NodePool/bad: spec.scaling.desiredSize: desiredSize is for Manual mode only: an Auto pool scales between minSize and maxSize`,
      ],
    });
  });

  test('ManagedNodePool rules say why', async () => {
    const f = join(dir, 'managed.yaml');
    const r = await check([f]);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${f}:ManagedNodePool/m: spec.instanceTypes: instance type ecs.g8y.xlarge is an Arm family: a ManagedNodePool runs x86 ContainerOS images only`,
      `${f}:ManagedNodePool/m: spec: login is not available on a ManagedNodePool: ContainerOS has no SSH login`,
    ]);
  });

  test('- reads standard input', async () => {
    expect(await check(['-'], badAuto)).toEqual({
      code: 1,
      lines: [
        '<stdin>:NodePool/bad: spec.scaling.desiredSize: desiredSize is for Manual mode only: an Auto pool scales between minSize and maxSize',
      ],
    });
    expect(await check(['-'], good)).toEqual({ code: 0, lines: [] });
  });

  test('other kinds, YAML errors, missing and empty files are problems', async () => {
    const other = await check([join(dir, 'other.yaml')]);
    expect(other).toEqual({
      code: 1,
      lines: [`${join(dir, 'other.yaml')}:ConfigMap/c: apiVersion: must be nodepool.alicloud.dev/v1beta1`],
    });
    const broken = await check([join(dir, 'broken.yaml')]);
    expect(broken.code).toBe(1);
    expect(broken.lines[0]).toMatch(/broken\.yaml:document 1: YAML: /);
    const missing = await check([join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.lines[0]).toContain('nope.yaml:file: cannot read it: ENOENT');
    expect(await check([join(dir, 'empty.yaml')])).toEqual({ code: 1, lines: ['no objects found'] });
  });

  test('YAML is read as kubectl reads it: yes is true, 02:00 a string', async () => {
    const m = `apiVersion: nodepool.alicloud.dev/v1beta1
kind: ManagedNodePool
metadata: {name: m}
spec:
  region: cn-hangzhou
  vpcId: vpc-a
  vSwitchIds: [vsw-a]
  instanceTypes: [ecs.g7.xlarge]
  ramRoleName: role
  securityGroup: {ids: [sg-a]}
  maintenance:
    windows: [{days: [Sat], start: 02:00, duration: 4h}]
    allowReboot: yes
`;
    expect(await check(['-'], m)).toEqual({ code: 0, lines: [] });
  });

  test('null fields are pruned as the apiserver prunes them, unless the field does not exist', async () => {
    const withNulls = good.replace('spec:\n', 'spec:\n  deploymentSetId: null\n  labels: {a: null}\n');
    expect(await check(['-'], withNulls)).toEqual({ code: 0, lines: [] });
    const unknown = managed
      .replace('  login: {keyPairName: k}\n', '  login: null\n')
      .replace('ecs.g8y.xlarge', 'ecs.g7.xlarge');
    expect(await check(['-'], unknown)).toEqual({
      code: 1,
      lines: [
        '<stdin>:ManagedNodePool/m: spec: login is not available on a ManagedNodePool: ContainerOS has no SSH login',
      ],
    });
  });

  test('all files are checked, problems of each reported', async () => {
    const r = await check([join(dir, 'good.yaml'), join(dir, 'mixed.yaml'), join(dir, 'managed.yaml')]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(3);
  });
});
