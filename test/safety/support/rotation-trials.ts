import { expect, test } from '@jest/globals';
import { crashRig } from './crash-rig.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_RUNS_DIR } from '../../support/access.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../../support/kube.js';
import { instanceOf, pool as readPool, poolNodes, ready } from '../../nodepool/poll.js';
import { isWrite, type CloudCall } from './cloud-proxy.js';
import { applyPool, poolManifest, type TestCloud } from './cloud.js';
import { NONE, checkPool, count, type Violations } from './invariants.js';
import { rng } from './trials.js';

const FAMILY = 'acs:alibaba_cloud_linux_3_container_optimized_x64';
const SIZE = 3;

interface RotationTrial {
  trial: number;
  plan: string;
  cutAt: string;
  midOperation: boolean;
  convergeMs: number;
  violations: Violations & {
    /** Instances released more than once, or a node already on the new image removed by the rotation. */
    removedTwice: string[];
    /** Nodes that ran the old image and are still there, or more launches than the rotation needs. */
    rotation: string[];
  };
}

/** The pool converged on `imageId`: Active, SIZE Ready nodes, every one launched from it, none claimed. */
async function rotated(c: TestCloud, pool: string, imageId: string): Promise<boolean> {
  const s = (await readPool(pool)).status;
  if (!(s?.phase === 'Active' && s.readySize === SIZE && s.currentSize === SIZE && s.desiredSize === SIZE))
    return false;
  const nodes = await poolNodes(pool);
  return (
    nodes.length === SIZE &&
    nodes.every(ready) &&
    nodes.every(
      (n) => !n.spec?.unschedulable && !n.metadata.annotations?.['nodepool.alicloud.dev/disruption'],
    ) &&
    nodes.every((n) => c.sim.cloud.instances.get(instanceOf(n))?.imageId === imageId)
  );
}

/**
 * The SIGKILL trials with a rotation in flight (issue 19): a Manual pool of 3 nodes with autoUpgrade (maxSurge
 * 1); each trial publishes a newer image of its family, arms a kill at a random cloud write of the rotation
 * that follows (dropped before the cloud, or answer lost after it ran) or after a random delay, starts the
 * operator again and waits until every node runs the new image. Then: 0 leaked, 0 duplicate (the group, the
 * members, no ClientToken used by two writes, no more launches than the rotation needs), 0 removed twice
 * (released once each, and only nodes that ran an older image).
 */
export function rotationCrashSuite(opts: { clusterId: string; trials: number; name: string }): void {
  const rig = crashRig({
    clusterId: opts.clusterId,
    name: opts.name,
    env: { NODEPOOL_IMAGE_CHECK_INTERVAL: '1s' },
  });
  const { seed, readLag } = rig;

  test(
    `${opts.trials} rotations of a 3-node pool, the operator SIGKILLed in each: every rotation completes, 0 leaked / 0 duplicate / 0 removed twice (seed ${seed}, reads lagging ${readLag} s)`,
    async () => {
      const { cloud, proxy, operator } = rig;
      const random = rng(seed);
      const log = (l: string) => process.stderr.write(`${l}\n`);
      const pool = uniqueName('np-crashrot');
      const images = new Map<string, string>(); // instance → the image it was launched from
      const released = new Map<string, number>();
      const unsubscribe = cloud.sim.onLifecycle((e) => {
        if (!e.instance.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === pool)) return;
        if (e.type === 'launched') images.set(e.instance.instanceId, e.instance.imageId);
        if (e.type === 'released')
          released.set(e.instance.instanceId, (released.get(e.instance.instanceId) ?? 0) + 1);
      });
      await applyPool(
        poolManifest(cloud, pool, {
          scaling: { mode: 'Manual', desiredSize: SIZE },
          disruption: { budget: '100%', drainTimeout: '5m' },
          management: { autoUpgrade: { enabled: true, maxSurge: 1, maxUnavailable: 0 } },
        }),
      );
      await eventually(
        'the pool Active',
        async () => {
          const s = (await readPool(pool)).status;
          return s?.phase === 'Active' && s.readySize === SIZE ? true : undefined;
        },
        { timeoutMs: 180_000 },
      );
      const results: RotationTrial[] = [];
      const firstSeq = proxy.nextSeq;
      for (let t = 0; t < opts.trials; t++) {
        const old = new Set((await poolNodes(pool)).map(instanceOf));
        const launchedBefore = images.size;
        const image = cloud.sim.publishImage({
          family: FAMILY,
          version: String(t + 2),
          kubeletVersion: `v1.34.${t + 5}`,
        });
        const delay = random() < 0.25;
        const nth = 1 + Math.floor(random() * 9); // a rotation of 3 nodes makes about 10 writes
        const when = random() < 0.5 ? 'before' : 'after';
        const ms = Math.floor(random() * 8000);
        const plan = delay ? `kill after ${ms} ms` : `kill at write #${nth} (${when} the cloud ran it)`;
        const phaseStart = proxy.nextSeq;
        const cut: Promise<CloudCall | 'delay'> = delay
          ? new Promise((resolve) => setTimeout(() => void operator.kill().then(() => resolve('delay')), ms))
          : proxy.arm({ match: (c) => isWrite(c.action), nth, when, onCut: () => operator.kill() });
        let fired = false;
        const watched = cut.then((c) => {
          fired = true;
          return c;
        });
        const converged = (async (): Promise<'converged' | undefined> => {
          const deadline = Date.now() + 240_000;
          while (!fired && Date.now() < deadline) {
            if (await rotated(cloud, pool, image.imageId).catch(() => false)) return 'converged';
            await new Promise((r) => setTimeout(r, 250));
          }
          if (!fired) throw new Error(`${pool} trial ${t}: neither rotated nor cut within 240 s`);
          return undefined;
        })();
        const firstOf = (await Promise.race([watched, converged])) ?? (await watched);
        let cutAt: string;
        let midOperation = true;
        if (firstOf === 'converged') {
          proxy.disarm();
          midOperation = false;
          if (delay) await cut;
          else await operator.kill();
          cutAt = 'after convergence';
        } else {
          cutAt = firstOf === 'delay' ? `${ms} ms` : `${firstOf.action} ${firstOf.cut}`;
          await converged;
        }
        const restarted = Date.now();
        await operator.start();
        await eventually(
          `${pool} trial ${t} rotated after the restart`,
          async () => ((await rotated(cloud, pool, image.imageId)) ? true : undefined),
          { timeoutMs: 300_000, intervalMs: 250 },
        );
        const convergeMs = Date.now() - restarted;
        const calls = proxy.since(firstSeq);
        let violations: RotationTrial['violations'] = { ...NONE, removedTwice: [], rotation: [] };
        await eventually(
          `${pool} trial ${t} invariants`,
          async () => {
            const base = await checkPool(
              cloud,
              pool,
              { desired: SIZE },
              { PostPaid: SIZE * (t + 2), PrePaid: 0 },
              calls,
            );
            const removedTwice = [...released]
              .filter(([, n]) => n > 1)
              .map(([id, n]) => `${id} released ${n} times`);
            for (const [id] of released)
              if (images.get(id) === image.imageId)
                removedTwice.push(`${id} ran the new image and was removed`);
            const rotation: string[] = [];
            const now = new Set((await poolNodes(pool)).map(instanceOf));
            for (const id of old) if (now.has(id)) rotation.push(`${id} (old image) still in the pool`);
            const launched = images.size - launchedBefore;
            if (launched > old.size) rotation.push(`${launched} instances launched to rotate ${old.size}`);
            violations = { ...base, removedTwice, rotation };
            return count(base) + removedTwice.length + rotation.length === 0 ? true : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 500 },
        ).catch(() => undefined);
        const r: RotationTrial = { trial: t, plan, cutAt, midOperation, convergeMs, violations };
        results.push(r);
        const writes = proxy
          .since(phaseStart)
          .filter((c) => isWrite(c.action))
          .map((c) => `${c.action}${c.cut ? `(cut ${c.cut})` : ''}`);
        log(
          `[crash-rotation] #${t}: ${plan} → cut at ${cutAt}; rotated ${convergeMs} ms after the restart; violations ${count(violations) + violations.removedTwice.length + violations.rotation.length}; writes: ${writes.join(' ')}`,
        );
      }
      unsubscribe();
      const bad = results.filter(
        (r) => count(r.violations) + r.violations.removedTwice.length + r.violations.rotation.length > 0,
      );
      const summary = {
        trials: results.length,
        midOperation: results.filter((r) => r.midOperation).length,
        leaked: results.reduce((n, r) => n + r.violations.leaked.length, 0),
        duplicate: results.reduce((n, r) => n + r.violations.duplicate.length, 0),
        removedTwice: results.reduce((n, r) => n + r.violations.removedTwice.length, 0),
        rotationIncomplete: results.reduce((n, r) => n + r.violations.rotation.length, 0),
      };
      const file = join(TEST_RUNS_DIR, `${opts.name}-${seed}.json`);
      await writeFile(file, JSON.stringify({ summary, results }, null, 2));
      log(
        `[crash-rotation] seed ${seed}: ${JSON.stringify(summary)} (details: ${file}; operator log: ${operator.logFile})`,
      );
      expect(bad).toEqual([]);
      expect(summary.midOperation).toBeGreaterThanOrEqual(Math.ceil(opts.trials / 2));
      await kubectlOk(['delete', 'nodepool', pool, '--wait=false']);
      await eventually(
        `${pool} deleted`,
        async () => ((await kubectl(['get', 'nodepool', pool])).code !== 0 ? true : undefined),
        { timeoutMs: 120_000 },
      );
    },
    opts.trials * 400_000,
  );
}
