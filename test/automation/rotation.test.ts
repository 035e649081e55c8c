import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { NodePools } from '../../src/controllers/nodepool/controller.js';
import { IMAGE_FAMILIES } from '../../src/controllers/nodepool/launch.js';
import { PACKAGE_ROOT } from '../../src/devstack/paths.js';
import { NodeSchema, PodSchema, Resources, TypedResource } from '../../src/kube/index.js';
import { testCluster } from '../support/access.js';
import { eventually, getJson, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import { activeWith, gone, instanceOf, pool, poolNodes } from '../nodepool/poll.js';

// autoUpgrade and autoPatch end to end (API.md "Image pinning", "autoUpgrade", "autoPatch", "maintenance"): the
// real API server (PDBs, evictions), the simulator publishing images (`sim.publishImage`), simulated nodes that
// report the image's kubelet and containerd versions. Each test uses its own image family, so an image one
// publishes concerns only its own pool. The operator lists image families every second here
// (`--image-check-interval`, 5m by default).

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-rotation', env: { NODEPOOL_IMAGE_CHECK_INTERVAL: '1s' } });
}, 120_000);
afterAll(async () => {
  await h.stop();
});

interface Blocker {
  kind: string;
  message: string;
}
interface Automation {
  enabled?: boolean;
  lastAction?: { action?: string; nodes?: string[]; message?: string };
  next?: { action?: string; nodes?: string[]; reason?: string; notBefore?: string; blockedBy?: Blocker[] };
}
interface RotationStatus {
  image?: { id: string; name?: string; version?: string; adoptedBy?: string; reason?: string; kubeletVersion?: string }; // prettier-ignore
  automation?: Record<string, Automation>;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}
const status = async (name: string): Promise<RotationStatus> =>
  ((await pool(name)) as { status?: RotationStatus }).status ?? {};
/** `status.automation.<method>` once it records a last action (the status is written after the release: polled). */
const lastActionOf = (name: string, method: string): Promise<Automation> =>
  eventually(`status.automation.${method}.lastAction`, async () => {
    const a = (await status(name)).automation?.[method];
    return a?.lastAction ? a : undefined;
  });
const upgradeAvailable = (s: RotationStatus) => s.conditions?.find((c) => c.type === 'UpgradeAvailable');
const family = (type: keyof typeof IMAGE_FAMILIES): string => IMAGE_FAMILIES[type]!.x86_64;
/** The image each of the pool's Nodes was launched from (the simulator's instance record). */
const imagesOf = async (name: string): Promise<string[]> =>
  (await poolNodes(name)).map((n) => h.sim.cloud.instances.get(instanceOf(n))?.imageId ?? '?');
/** Instances of the pool the simulator holds (not released). */
const instancesOf = (name: string): string[] =>
  [...h.sim.cloud.instances.values()]
    .filter((i) => i.tags.some((t) => t.key === POOL_LABEL && t.value === name))
    .map((i) => i.instanceId);
const events = async (name: string) =>
  (await getJson<{ items: { reason?: string; note?: string; regarding?: { name?: string } }[] }>(['events.v1.events.k8s.io', '-n', 'default'])).items.filter((e) => e.regarding?.name === name); // prettier-ignore
const runCli = async (args: string[]): Promise<string> => {
  const r = await promisify(execFile)(process.execPath, [`${PACKAGE_ROOT}/bin/nodepool-operator.js`, ...args], { env: { ...process.env, KUBECONFIG: testCluster().kubeconfig } }); // prettier-ignore
  return r.stdout;
};
const hhmm = (ms: number, offsetH: number): string => {
  const d = new Date(ms + offsetH * 3_600_000);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
};
const EVERY_DAY = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * Watches a pool while it moves (through the API client, every 300 ms): the most nodes disrupted at once
 * (claimed by a command or cordoned), the fewest Ready uncordoned nodes, the most members, and, with `app`,
 * the fewest Running pods of that app.
 */
function watchPool(name: string, app?: { ns: string; name: string }) {
  const nodes = new TypedResource(h.client, Resources.nodes, NodeSchema);
  const pods = new TypedResource(h.client, Resources.pods, PodSchema);
  const seen = { maxDisrupting: 0, minServing: Infinity, maxNodes: 0, minAppPods: Infinity, samples: 0, blocked: new Set<string>() }; // prettier-ignore
  // every version of the pool's status (a watch: a blocker shown for a moment is not missed on a loaded machine)
  const stopped = new AbortController();
  const blockers = (o: Record<string, unknown>): void => {
    for (const [method, a] of Object.entries((o as { status?: RotationStatus }).status?.automation ?? {})) {
      for (const b of a.next?.blockedBy ?? []) seen.blocked.add(`${method}:${b.kind}`);
    }
  };
  void (async () => {
    while (!stopped.signal.aborted) {
      const opts = { fieldSelector: `metadata.name=${name}`, timeoutSeconds: 60 };
      const failed = await h.client
        .watch(NodePools, opts, (e) => blockers(e.object), stopped.signal)
        .then(
          () => false,
          () => true,
        );
      if (failed) await new Promise((r) => setTimeout(r, 500)); // watched again: not in a tight loop
    }
  })();
  const tick = async (): Promise<void> => {
    const ns = (await nodes.list({ labelSelector: `${POOL_LABEL}=${name}` })).items;
    const disrupting = ns.filter((n) => n.metadata.annotations?.['nodepool.alicloud.dev/disruption'] !== undefined || n.spec?.unschedulable === true); // prettier-ignore
    const serving = ns.filter((n) => !n.spec?.unschedulable && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')); // prettier-ignore
    seen.maxDisrupting = Math.max(seen.maxDisrupting, disrupting.length);
    seen.minServing = Math.min(seen.minServing, serving.length);
    seen.maxNodes = Math.max(seen.maxNodes, ns.length);
    if (app) {
      const ps = (await pods.list({ namespace: app.ns, labelSelector: `app=${app.name}` })).items;
      const running = ps.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
      seen.minAppPods = Math.min(seen.minAppPods, running.length);
    }
    seen.samples++;
  };
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void tick().finally(() => (busy = false));
  }, 100); // often enough that a quick rotation (seconds on an idle machine) is seen more than 10 times
  return {
    seen,
    stop: () => {
      clearInterval(timer);
      stopped.abort();
    },
  };
}

test('a published image rotates the pool inside a maintenance window and not outside it: the preview names the window and its next opening; nodes then report the new kubelet; PDBs hold', async () => {
  const name = uniqueName('rot-win');
  const ns = uniqueName('rot');
  const now = Date.now();
  // a daily window opening 6 hours from now, in Shanghai's time (UTC+8): closed now
  const closed = { days: EVERY_DAY, start: hhmm(now, 8 + 6), duration: '1h', timeZone: 'Asia/Shanghai' };
  const open = { days: EVERY_DAY, start: hhmm(now, -1), duration: '3h', timeZone: 'UTC' };
  const spec = (windows: unknown[]) => ({
    scaling: { mode: 'Manual', desiredSize: 3 },
    disruption: { budget: '100%', drainTimeout: '10m' },
    management: { maintenance: { windows }, autoUpgrade: { enabled: true, maxSurge: 1, maxUnavailable: 0 } },
  });
  await applyPool(poolManifest(h, name, spec([closed])));
  const { nodes } = await activeWith(name, 3, { timeoutMs: 180_000 });
  const pinned = (await status(name)).image!;
  expect(pinned).toMatchObject({ adoptedBy: 'Resolved' });
  expect(new Set(await imagesOf(name))).toEqual(new Set([pinned.id]));

  // an app of 3 pods on the pool, guarded by a PDB (minAvailable 2)
  await kubectlOk(['create', 'namespace', ns]);
  await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { nodeSelector: { [POOL_LABEL]: name }, terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m' } } }] } } } }) }); // prettier-ignore
  await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } }) }); // prettier-ignore
  await eventually('the PDB sees 3 healthy pods', async () => ((await getJson<{ status?: { currentHealthy?: number } }>(['pdb', 'web', '-n', ns])).status?.currentHealthy === 3 ? true : undefined), { timeoutMs: 90_000 }); // prettier-ignore

  const image = h.sim.publishImage({ family: family('AliyunLinux3ContainerOptimized'), version: '2', kubeletVersion: 'v1.34.9', containerdVersion: '1.7.29' }); // prettier-ignore
  // adopted at once (new nodes launch with it); the rotation of the existing ones waits for the window
  const held = await eventually('the image adopted, the rotation held by the window', async () => {
    const s = await status(name);
    const next = s.automation?.upgrade?.next;
    return s.image?.id === image.imageId && next?.blockedBy?.[0]?.kind === 'MaintenanceWindow' ? s : undefined;
  }, { timeoutMs: 90_000 }); // prettier-ignore
  expect(held.image).toMatchObject({ adoptedBy: 'AutoUpgrade', version: '2', kubeletVersion: 'v1.34.9' });
  expect(upgradeAvailable(held)).toMatchObject({ status: 'False', reason: 'UpToDate' });
  const next = held.automation!.upgrade!.next!;
  expect(next.action).toBe('Replace');
  expect([...next.nodes!].sort()).toEqual(nodes.map((n) => n.metadata.name).sort());
  // the next opening: 6 hours from when the window was written (to the minute)
  const opens = Date.parse(next.notBefore!);
  expect(Math.abs(opens - (now + 6 * 3_600_000))).toBeLessThan(61_000);
  expect(next.blockedBy![0]!.message).toContain(`Mon,Tue,Wed,Thu,Fri,Sat,Sun ${closed.start} for 1h (Asia/Shanghai)`); // prettier-ignore
  expect(next.blockedBy![0]!.message).toContain(`the next opens at ${next.notBefore}`);
  expect(await runCli(['disruptions', '--pool', name])).toMatch(new RegExp(`${name}\\s+upgrade\\s+Replace.*MaintenanceWindow`)); // prettier-ignore
  // nothing moved: the same nodes, none claimed or cordoned, still on the old image, no instance launched
  const still = await poolNodes(name);
  expect(still.map((n) => n.metadata.name).sort()).toEqual(nodes.map((n) => n.metadata.name).sort());
  expect(still.filter((n) => n.spec?.unschedulable || n.metadata.annotations?.['nodepool.alicloud.dev/disruption'])).toEqual([]); // prettier-ignore
  expect(new Set(await imagesOf(name))).toEqual(new Set([pinned.id]));
  expect(instancesOf(name)).toHaveLength(3);

  // the window opens: one node at a time (maxSurge 1, maxUnavailable 0), its replacement Ready first
  const watch = watchPool(name, { ns, name: 'web' });
  await applyPool(poolManifest(h, name, spec([open])));
  await eventually('every node on the new image', async () => {
    const images = await imagesOf(name);
    return images.length === 3 && images.every((i) => i === image.imageId) ? true : undefined;
  }, { timeoutMs: 300_000, intervalMs: 1_000 }); // prettier-ignore
  const after = await activeWith(name, 3, { timeoutMs: 120_000 }).finally(() => watch.stop());
  expect(after.nodes.map((n) => n.metadata.name).filter((n) => nodes.some((o) => o.metadata.name === n))).toEqual([]); // prettier-ignore
  process.stderr.write(`[rotation] window test: ${JSON.stringify({ ...watch.seen, blocked: [...watch.seen.blocked] })}\n`); // prettier-ignore
  expect(watch.seen.samples).toBeGreaterThan(10);
  expect(watch.seen.maxDisrupting).toBe(1);
  expect(watch.seen.minServing).toBeGreaterThanOrEqual(3); // maxUnavailable 0: a node is cordoned only once its replacement is Ready
  expect(watch.seen.maxNodes).toBeLessThanOrEqual(4); // 3 + maxSurge 1
  expect(watch.seen.minAppPods).toBeGreaterThanOrEqual(2); // the PDB held
  const infos = (await getJson<{ items: { status?: { nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string } } }[] }>(['nodes', '-l', `${POOL_LABEL}=${name}`])).items; // prettier-ignore
  expect(infos.map((n) => [n.status?.nodeInfo?.kubeletVersion, n.status?.nodeInfo?.containerRuntimeVersion])).toEqual(Array(3).fill(['v1.34.9', 'containerd://1.7.29'])); // prettier-ignore
  expect(await lastActionOf(name, 'upgrade')).toMatchObject({
    enabled: true,
    lastAction: { action: 'Released' },
  });
  const reasons = (await events(name)).map((e) => e.reason);
  expect(reasons).toEqual(expect.arrayContaining(['ImagePinned', 'ImageAdopted', 'NodeRotated']));
  await kubectlOk(['delete', 'namespace', ns, '--wait=false']);
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
}, 720_000);

test('autoPatch for High: a Low-only fix is reported (UpgradeAvailable) and nothing rotates; a High fix rotates the pool', async () => {
  const name = uniqueName('rot-patch');
  await applyPool(poolManifest(h, name, { image: { type: 'AliyunLinux3' }, scaling: { mode: 'Manual', desiredSize: 2 }, disruption: { budget: '100%' }, management: { autoUpgrade: { enabled: false }, autoPatch: { enabled: true, severities: ['High'] } } })); // prettier-ignore
  await activeWith(name, 2, { timeoutMs: 180_000 });
  const pinned = (await status(name)).image!;
  const fam = family('AliyunLinux3');
  const low = h.sim.publishImage({ family: fam, version: '2', fixedCves: [{ id: 'CVE-2026-10001', severity: 'Low' }] }); // prettier-ignore
  const reported = await eventually('UpgradeAvailable for the Low fix', async () => {
    const s = await status(name);
    return upgradeAvailable(s)?.status === 'True' && upgradeAvailable(s)?.message.includes(low.imageName) ? s : undefined; // prettier-ignore
  }, { timeoutMs: 90_000 }); // prettier-ignore
  expect(upgradeAvailable(reported)).toMatchObject({ reason: 'NewerImage', message: expect.stringContaining('CVE-2026-10001 (Low)') }); // prettier-ignore
  expect(reported.image?.id).toBe(pinned.id);
  expect(reported.automation?.patch).toMatchObject({ enabled: true });
  expect(reported.automation?.patch?.next).toBeUndefined();
  expect(reported.automation?.upgrade?.enabled ?? false).toBe(false);
  expect(await imagesOf(name)).toEqual([pinned.id, pinned.id]);
  expect(instancesOf(name)).toHaveLength(2);

  const high = h.sim.publishImage({ family: fam, version: '3', fixedCves: [{ id: 'CVE-2026-10002', severity: 'High' }] }); // prettier-ignore
  await eventually('every node on the patched image', async () => {
    const images = await imagesOf(name);
    return images.length === 2 && images.every((i) => i === high.imageId) ? true : undefined;
  }, { timeoutMs: 300_000, intervalMs: 1_000 }); // prettier-ignore
  await activeWith(name, 2);
  const s = await status(name);
  expect(s.image).toMatchObject({ id: high.imageId, adoptedBy: 'AutoPatch', reason: expect.stringContaining('CVE-2026-10002 (High)') }); // prettier-ignore
  expect(upgradeAvailable(s)).toMatchObject({ status: 'False' });
  const patched = await lastActionOf(name, 'patch');
  expect(patched.lastAction).toMatchObject({
    action: 'Released',
    message: expect.stringContaining('autoPatch'),
  });
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
}, 600_000);

test('without autoUpgrade / autoPatch: the image stays pinned (new nodes launch with it), UpgradeAvailable says what is newer; a status without a pin pins what the scaling configuration runs', async () => {
  const name = uniqueName('rot-none');
  const manifest = (n: number) => poolManifest(h, name, { image: { type: 'Ubuntu' }, scaling: { mode: 'Manual', desiredSize: n } }); // prettier-ignore
  await applyPool(manifest(1));
  await activeWith(name, 1, { timeoutMs: 180_000 });
  const pinned = (await status(name)).image!;
  const newer = h.sim.publishImage({ family: family('Ubuntu'), version: '2', kubeletVersion: 'v1.34.9' });
  const s = await eventually('UpgradeAvailable', async () => {
    const x = await status(name);
    return upgradeAvailable(x)?.status === 'True' ? x : undefined;
  }, { timeoutMs: 90_000 }); // prettier-ignore
  expect(upgradeAvailable(s)!.message).toContain(newer.imageName);
  expect(upgradeAvailable(s)!.message).toContain('enable autoUpgrade');
  expect(s.image?.id).toBe(pinned.id);
  expect(s.automation?.upgrade?.enabled ?? false).toBe(false);
  // a scale-out launches the pinned image, not the family's newest
  await applyPool(manifest(2));
  await activeWith(name, 2, { timeoutMs: 180_000 });
  expect(await imagesOf(name)).toEqual([pinned.id, pinned.id]);
  expect((await events(name)).filter((e) => e.reason === 'UpgradeAvailable')).toHaveLength(1);

  // a pool from before pinning (no status.image): it pins what its scaling configuration launches
  await kubectlOk(['patch', 'nodepool', name, '--subresource=status', '--type=json', '-p', '[{"op":"remove","path":"/status/image"}]']); // prettier-ignore
  const repinned = await eventually('pinned again', async () => {
    const x = await status(name);
    return x.image?.adoptedBy === 'Configuration' ? x.image : undefined;
  }, { timeoutMs: 90_000 }); // prettier-ignore
  expect(repinned.id).toBe(pinned.id);
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
}, 600_000);

test('the disruption budget holds across methods: a rotation (maxSurge 2) and a scale-in wanting to act at once with budget 1 disrupt one node at a time', async () => {
  const name = uniqueName('rot-budget');
  const now = Date.now();
  const closed = { days: EVERY_DAY, start: hhmm(now, 6), duration: '1h', timeZone: 'UTC' };
  const open = { days: EVERY_DAY, start: hhmm(now, -1), duration: '3h', timeZone: 'UTC' };
  const manifest = (n: number, windows: unknown[]) => poolManifest(h, name, { image: { type: 'ContainerOS' }, scaling: { mode: 'Manual', desiredSize: n }, disruption: { budget: 1 }, management: { maintenance: { windows }, autoUpgrade: { enabled: true, maxSurge: 2, maxUnavailable: 0 } } }); // prettier-ignore
  await applyPool(manifest(4, [closed]));
  const before = (await activeWith(name, 4, { timeoutMs: 180_000 })).nodes.map((n) => n.metadata.name);
  const image = h.sim.publishImage({ family: family('ContainerOS'), version: '2' });
  await eventually('the rotation waits for the window', async () => ((await status(name)).automation?.upgrade?.next?.blockedBy?.[0]?.kind === 'MaintenanceWindow' ? true : undefined), { timeoutMs: 90_000 }); // prettier-ignore
  // the window opens and the size is lowered in one change: both methods want to act in the same reconcile
  const watch = watchPool(name);
  await applyPool(manifest(3, [open]));
  await eventually('3 nodes, all on the new image', async () => {
    const images = await imagesOf(name);
    return images.length === 3 && images.every((i) => i === image.imageId) ? true : undefined;
  }, { timeoutMs: 400_000, intervalMs: 1_000 }); // prettier-ignore
  const after = await activeWith(name, 3, { timeoutMs: 120_000 }).finally(() => watch.stop());
  process.stderr.write(`[rotation] budget test: ${JSON.stringify({ ...watch.seen, blocked: [...watch.seen.blocked] })}\n`); // prettier-ignore
  expect(after.nodes.filter((n) => before.includes(n.metadata.name))).toEqual([]);
  expect(watch.seen.samples).toBeGreaterThan(5);
  expect(watch.seen.blocked).toContain('upgrade:Budget'); // the rotation was held by the scale-in's claim
  expect(watch.seen.maxDisrupting).toBe(1);
  const reasons = (await events(name)).map((e) => e.reason);
  expect(reasons).toEqual(expect.arrayContaining(['ScaledIn', 'ImageAdopted', 'NodeRotated']));
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
}, 720_000);
