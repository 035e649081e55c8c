import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { eventually, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from '../nodepool/harness.js';
import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { Resources } from '../../src/kube/index.js';
import {
  activeWith,
  condition,
  gone,
  instanceOf,
  pool,
  poolNodes,
  ready,
  type NodeJson,
} from '../nodepool/poll.js';
import { automation, eventsOf } from './support.js';

// ECS system events and spot reclamation end to end. The operator runs on the simulator's clock (20× here), so
// an event announced 30 minutes ahead, a 5-minute spot notice and the operator's deadlines are the same minutes
// (`runtimeClockOf`); the real API server, the controller manager and simulated nodes that follow their
// machines' power.

const SCALE = 20;
const MIN = 60_000;
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-events', nodePower: true, simClock: true, timeScale: SCALE });
});
afterAll(async () => {
  await h.stop();
});

const systemEvents = { management: { systemEvents: { enabled: true } } };
const remove = async (name: string): Promise<void> => {
  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
};
/** Simulated ms until the instance is no longer a member of the group (released or on its way out). */
async function goneAt(id: string, timeoutMs: number): Promise<number> {
  return eventually(`instance ${id} out of its group`, async () => {
    const m = h.sim.ess.state.instances.get(id);
    return !m || m.state.startsWith('Removing') ? h.sim.clock.now() : undefined;
  }, { timeoutMs, intervalMs: 100 }); // prettier-ignore
}

test('system events: a SystemMaintenance.Reboot 30 min ahead and a SystemFailure.Delete 8 min ahead are handled before they execute — replaced first, or drained at once', async () => {
  const name = uniqueName('np-sev');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 3 }, registrationTimeout: '2h', ...systemEvents })); // prettier-ignore
  const { nodes, pool: p } = await activeWith(name, 3, { timeoutMs: 180_000 });
  expect(condition(p, 'AutomationActive')).toMatchObject({ status: 'True', message: expect.stringContaining('systemEvents') }); // prettier-ignore
  const [early, late] = nodes.map(instanceOf) as [string, string];
  const reboot = h.sim.scheduleSystemEvent(early, 'SystemMaintenance.Reboot', 30 * 60);
  const del = h.sim.scheduleSystemEvent(late, 'SystemFailure.Delete', 8 * 60);
  // each machine leaves its group before its event executes; the early one with at least 5 min to spare
  const [earlyGone, lateGone] = await Promise.all([goneAt(early, 150_000), goneAt(late, 60_000)]);
  expect(reboot.notBefore - earlyGone).toBeGreaterThanOrEqual(5 * MIN);
  expect(del.notBefore - lateGone).toBeGreaterThan(0);
  expect(reboot.cycleStatus === 'Scheduled' || reboot.cycleStatus === 'Canceled').toBe(true);
  const after = await activeWith(name, 3, { timeoutMs: 180_000, without: [early, late] });
  expect(after.nodes).toHaveLength(3);
  const ev = await eventsOf(name);
  const started = ev.filter((e) => e.reason === 'DisruptionStarted' && e.note?.startsWith('systemEvents:'));
  // the API gives NotBefore in whole seconds (isoSeconds), as ECS does
  const notBefore = new Date(Math.floor(reboot.notBefore / 1000) * 1000).toISOString();
  expect(started.map((e) => e.note).join('\n')).toMatch(
    new RegExp(
      `ECS system event ${reboot.eventId} \\(SystemMaintenance.Reboot, Scheduled\\) executes at ${notBefore}: replaced ahead of it`,
    ),
  );
  expect(started.map((e) => e.note).join('\n')).toMatch(new RegExp(`${del.eventId} \\(SystemFailure.Delete, Scheduled\\).*too close for a replacement first, drained at once`)); // prettier-ignore
  expect(ev.some((e) => e.reason === 'SystemEventHandled')).toBe(true);
  const sa = await eventually('status.automation.systemEvents.lastAction', async () => {
    const x = await automation(name, 'systemEvents');
    return x?.lastAction ? x : undefined;
  });
  expect(sa.lastAction?.action).toBe('Released');
  process.stdout.write(`system events: replaced ${((reboot.notBefore - earlyGone) / MIN).toFixed(1)} min before NotBefore (30 min notice), ${((del.notBefore - lateGone) / MIN).toFixed(1)} min (8 min notice)\n`); // prettier-ignore
  await remove(name);
}, 420_000);

test('a billing system event (InstanceExpiration) is a Warning, once; nothing is replaced', async () => {
  const name = uniqueName('np-bill');
  await applyPool(poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 1 }, registrationTimeout: '2h', ...systemEvents })); // prettier-ignore
  const { nodes } = await activeWith(name, 1, { timeoutMs: 180_000 });
  const id = instanceOf(nodes[0]!);
  const e = h.sim.scheduleSystemEvent(id, 'InstanceExpiration.Stop', 24 * 3600);
  const w = await eventually('a SystemEventWarning', async () => (await eventsOf(name)).find((x) => x.reason === 'SystemEventWarning'), { timeoutMs: 60_000 }); // prettier-ignore
  expect(w).toMatchObject({ type: 'Warning', note: expect.stringContaining(`ECS system event ${e.eventId} (InstanceExpiration.Stop, Scheduled)`) }); // prettier-ignore
  expect((await poolNodes(name)).map(instanceOf)).toEqual([id]);
  await remove(name);
}, 300_000);

const spotPool = (name: string, replaceBeforeReclaim: boolean) =>
  poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 2 }, registrationTimeout: '2h', billing: { chargeType: 'Spot', spot: { strategy: 'SpotAsPriceGo', replaceBeforeReclaim } } }); // prettier-ignore

test('spot reclamation with replaceBeforeReclaim: the replacement is Ready while the old node is still there; the old one drained before ECS takes it', async () => {
  const name = uniqueName('np-spot');
  await applyPool(spotPool(name, true));
  const { nodes, pool: p } = await activeWith(name, 2, { timeoutMs: 180_000 });
  // no management block: spot interruption runs for every Spot pool, and the condition says so
  expect(condition(p, 'AutomationActive')).toMatchObject({
    status: 'True',
    message: 'active: spotInterruption (replacement launched on the notice, drained when Ready)',
  });
  const id = instanceOf(nodes[0]!);
  const oldNode = nodes[0]!.metadata.name;
  // every version of the pool's Nodes is watched (sampling misses it: the old node is cordoned within
  // milliseconds of its replacement turning Ready at this time scale)
  const seen = new Map<string, NodeJson>();
  let together: NodeJson[] | undefined;
  const stop = new AbortController();
  const watching = h.client
    .watch(
      Resources.nodes,
      { labelSelector: `${POOL_LABEL}=${name}` },
      (e) => {
        const n = e.object as unknown as NodeJson;
        if (e.type === 'DELETED') seen.delete(n.metadata.name);
        else if (e.type === 'ADDED' || e.type === 'MODIFIED') seen.set(n.metadata.name, n);
        const all = [...seen.values()];
        const old = seen.get(oldNode);
        // three Ready nodes at once: the replacement is Ready and the old node still there, not yet cordoned
        if (!together && all.filter(ready).length === 3 && old && ready(old) && !old.spec?.unschedulable)
          together = all;
      },
      stop.signal,
    )
    .catch(() => undefined);
  const noticeAt = h.sim.clock.now();
  h.sim.reclaimSpot(id, 300);
  const out = await goneAt(id, 60_000);
  stop.abort();
  await watching;
  expect(together?.map(instanceOf)).toContain(id);
  expect(out - noticeAt).toBeLessThan(5 * MIN); // out of the group before the notice ran out
  await activeWith(name, 2, { timeoutMs: 120_000, without: [id] });
  // the status is written after the release: polled, not read once
  const a = await eventually('status.automation.spotInterruption.lastAction', async () => {
    const x = await automation(name, 'spotInterruption');
    return x?.lastAction ? x : undefined;
  });
  expect(a).toMatchObject({ enabled: true, lastAction: { action: 'Released', nodes: [oldNode] } });
  expect(a?.lastAction?.message).toMatch(/replacement launched, the node is drained when it is Ready/);
  expect(h.sim.ess.state.groups.get((await pool(name)).status!.scalingGroupId!)?.spotInstanceRemedy).toBe(
    false,
  );
  await remove(name);
}, 420_000);

test('spot reclamation without replaceBeforeReclaim: the node is drained at once, then ESS replaces it', async () => {
  const name = uniqueName('np-spot0');
  await applyPool(spotPool(name, false));
  const { nodes } = await activeWith(name, 2, { timeoutMs: 180_000 });
  const id = instanceOf(nodes[0]!);
  const noticeAt = h.sim.clock.now();
  h.sim.reclaimSpot(id, 300);
  const out = await goneAt(id, 60_000);
  expect(out - noticeAt).toBeLessThan(2 * MIN); // drained at once, not held for a replacement
  await activeWith(name, 2, { timeoutMs: 120_000, without: [id] });
  const a = await eventually('status.automation.spotInterruption.lastAction', async () => {
    const x = await automation(name, 'spotInterruption');
    return x?.lastAction ? x : undefined;
  });
  expect(a.lastAction?.message).toMatch(/drained at once/);
  await remove(name);
}, 420_000);
