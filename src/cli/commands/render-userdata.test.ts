import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { newCa } from '../../devstack/pki.js';
import { PACKAGE_ROOT } from '../../devstack/paths.js';
import { PLACEHOLDER_TOKEN, renderCommand } from './render-userdata.js';

let dir: string;
let caFile: string;
let scriptFile: string;
const EXAMPLES = join(PACKAGE_ROOT, 'examples');
const base = {
  clusterId: 'c-local',
  kubernetesVersion: 'v1.34.4',
  output: 'script' as const,
  apiServer: 'https://10.0.0.10:6443',
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'render-'));
  caFile = (await newCa(dir, 'ca')).cert;
  scriptFile = join(dir, 'from-secret.sh');
  await writeFile(scriptFile, '#!/bin/bash\necho "from a Secret"\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('nodepool-operator render-userdata', () => {
  test('every example renders: Managed pools with the given token, the External one with its join command', async () => {
    const files = (await readdir(EXAMPLES)).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) {
      const external = f.includes('external');
      const { stdout, notes } = renderCommand({
        ...base,
        file: join(EXAMPLES, f),
        caFile,
        token: 'abcdef.0123456789abcdef',
        preUserDataFile: scriptFile,
        userDataFile: scriptFile,
        ...(external
          ? {
              joinCommand:
                'kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00',
            }
          : {}),
      });
      expect(stdout.startsWith('#!/bin/bash\n')).toBe(true);
      expect(stdout).toContain(external ? 'NPO_MODE=External' : 'NPO_MODE=Managed');
      if (!external) expect(stdout).toContain('NPO_BOOTSTRAP_TOKEN=abcdef.0123456789abcdef');
      expect(notes.join('\n')).toMatch(/bytes, sent (plain|gzip) \(\d+ bytes of the 32768 allowed\)/);
    }
  });

  test('without --token the script is a preview with a placeholder, and says so', () => {
    const { stdout, notes } = renderCommand({
      ...base,
      file: join(EXAMPLES, 'nodepool-manual.yaml'),
      caFile,
    });
    expect(stdout).toContain(`NPO_BOOTSTRAP_TOKEN=${PLACEHOLDER_TOKEN}`);
    expect(notes[0]).toContain('placeholder');
    // an External pool joins with its own command: no placeholder to warn about
    const external = renderCommand({
      ...base,
      file: join(EXAMPLES, 'nodepool-external.yaml'),
      caFile,
      preUserDataFile: scriptFile,
      joinCommand:
        'kubeadm join 10.0.0.10:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:00',
    });
    expect(external.notes.join('\n')).not.toContain('placeholder');
  });

  test('base64 output is what ESS receives', () => {
    const script = renderCommand({ ...base, file: join(EXAMPLES, 'nodepool-manual.yaml'), caFile }).stdout;
    const b64 = renderCommand({
      ...base,
      file: join(EXAMPLES, 'nodepool-manual.yaml'),
      caFile,
      output: 'base64',
    }).stdout.trim();
    const raw = Buffer.from(b64, 'base64');
    expect((raw[0] === 0x1f ? gunzipSync(raw) : raw).toString('utf8')).toBe(script);
  });

  test('an invalid pool is refused with the field and the rule; a missing reference names its field', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'apiVersion: nodepool.alicloud.dev/v1beta1\nkind: NodePool\nmetadata: {name: x}\nspec: {region: cn-hangzhou}\n',
    );
    expect(() => renderCommand({ ...base, file: bad, caFile })).toThrow(/bad\.yaml: spec\.\w+/);
    expect(() => renderCommand({ ...base, file: join(EXAMPLES, 'nodepool-external.yaml'), caFile })).toThrow(
      /nodepool-external\.yaml: spec\.preUserDataFrom is a reference: give its content with --pre-user-data-file/,
    );
    expect(() =>
      renderCommand({
        ...base,
        file: join(EXAMPLES, 'nodepool-external.yaml'),
        caFile,
        preUserDataFile: scriptFile,
        userDataFile: scriptFile,
      }),
    ).toThrow(
      /spec\.bootstrap\.external\.joinCommandSecretRef is a reference: give its content with --join-command/,
    );
  });

  test('--instance-type says whether the GPU path runs', () => {
    const gpu = renderCommand({
      ...base,
      file: join(EXAMPLES, 'nodepool-manual.yaml'),
      caFile,
      instanceType: 'ecs.gn7i-c8g1.2xlarge',
    });
    expect(gpu.notes.join('\n')).toContain('a GPU type');
    const cpu = renderCommand({
      ...base,
      file: join(EXAMPLES, 'nodepool-manual.yaml'),
      caFile,
      instanceType: 'ecs.g7.xlarge',
    });
    expect(cpu.notes.join('\n')).toContain('ecs.g7.xlarge: no GPU');
  });
});
