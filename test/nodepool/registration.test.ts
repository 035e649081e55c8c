import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { eventually, getJson, kubectlOk, uniqueName } from '../support/kube.js';
import { applyPool, poolManifest, startHarness, type Harness } from './harness.js';
import { activeWith, condition, gone, instanceOf, pool, poolNodes } from './poll.js';

// A bootstrap that never registers: its instances are released after registrationTimeout with an Event that
// tells the last bootstrap step (read from the instance's console output, as ECS keeps it), and repeated
// failures make the pool Degraded; once the spec is fixed the pool heals.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ clusterId: 'c-reg' });
});
afterAll(async () => {
  await h.stop();
});

interface EventJson {
  reason: string;
  type: string;
  message: string;
}
const events = async (name: string): Promise<EventJson[]> =>
  (await getJson<{ items: EventJson[] }>(['events', '-A', '--field-selector', `involvedObject.kind=NodePool,involvedObject.name=${name}`])).items; // prettier-ignore

test('instances whose bootstrap fails are replaced with an Event naming the failed step; three in a row make the pool Degraded; fixing the spec heals it', async () => {
  const name = uniqueName('np-reg');
  const broken = { scaling: { mode: 'Manual', desiredSize: 3 }, registrationTimeout: '15s', preUserData: 'echo "pre: cannot reach the package mirror"\nexit 7\n' }; // prettier-ignore
  await applyPool(poolManifest(h, name, broken));

  const failedEvent = await eventually('a RegistrationFailed Event', async () => {
    const e = (await events(name)).find((x) => x.reason === 'RegistrationFailed');
    return e;
  }, { timeoutMs: 120_000 }); // prettier-ignore
  expect(failedEvent.type).toBe('Warning');
  expect(failedEvent.message).toMatch(/^instance i-\w+ did not become a Ready node within 15s; its bootstrap failed at step pre-user-data \(exit 7\): released; ESS launches a replacement$/); // prettier-ignore
  const firstFailed = /instance (i-\w+)/.exec(failedEvent.message)![1]!;

  const degraded = await eventually('the pool Degraded by registration failures', async () => {
    const p = await pool(name);
    const c = condition(p, 'Degraded');
    return c?.status === 'True' && c.reason === 'RegistrationFailed' ? { p, c } : undefined;
  }, { timeoutMs: 120_000 }); // prettier-ignore
  expect(degraded.p.status?.phase).toBe('Degraded');
  expect(degraded.c.message).toMatch(/^\d+ instances in a row did not become Ready nodes within 15s; the last, i-\w+: its bootstrap failed at step pre-user-data \(exit 7\)$/); // prettier-ignore
  expect(Number(/^(\d+)/.exec(degraded.c.message)![1])).toBeGreaterThanOrEqual(3);
  expect(h.sim.cloud.instances.get(firstFailed)?.status ?? 'Released').not.toBe('Running');
  // the console output the message came from is the one ECS answers for the instance
  expect(await poolNodes(name)).toHaveLength(0);

  // the fix: no failing pre-user-data; new instances register, old ones are replaced, the pool heals
  await applyPool(
    poolManifest(h, name, { scaling: { mode: 'Manual', desiredSize: 3 }, registrationTimeout: '15s' }),
  );
  const { pool: healed, nodes } = await activeWith(name, 3, { timeoutMs: 180_000 });
  expect(condition(healed, 'Degraded')).toMatchObject({ status: 'False' });
  expect(nodes.map(instanceOf)).not.toContain(firstFailed);

  await kubectlOk(['delete', 'nodepool', name, '--wait=false']);
  await gone(name);
}, 420_000);
