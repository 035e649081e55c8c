import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TEST_RUNS_DIR } from '../../support/access.js';
import { eventually, kubectl, kubectlOk, uniqueName } from '../../support/kube.js';
import { pool as readPool, poolNodes, ready } from '../../nodepool/poll.js';
import { isWrite, type CloudCall, type CloudProxy } from './cloud-proxy.js';
import { applyPool, poolManifest, type TestCloud } from './cloud.js';
import { NONE, checkPool, count, type Violations } from './invariants.js';
import type { OperatorProcess } from './operator-process.js';

/** A small seeded PRNG (mulberry32): a failing run is replayed with its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type PhaseName = 'create' | 'scale-out' | 'consolidate' | 'scale-in' | 'subscription' | 'delete';

/** How one kill was placed: at the nth cloud write (dropped before the cloud, or answer lost after it), or a random delay. */
export type CutPlan =
  { mode: 'write'; nth: number; when: 'before' | 'after' } | { mode: 'delay'; ms: number };

export interface TrialResult {
  lifecycle: number;
  phase: PhaseName;
  plan: string;
  /** The call the cut landed on (`RunInstances after`), the delay, or `after convergence` when the operation finished first. */
  cutAt: string;
  /** The kill landed inside the operation (before the pool converged). */
  midOperation: boolean;
  /** From the restart (spawn of the new process) to the pool converged. */
  convergeMs: number;
  /** From the restart to the new process ready (caches synced). */
  readyMs: number;
  violations: Violations;
}

interface Phase {
  name: PhaseName;
  /** The user's change (kubectl). */
  apply: (pool: string) => Promise<void>;
  /** Resolves when the pool reached what the change asked for (polled with a deadline). */
  converged: (pool: string) => Promise<boolean>;
  expect: { desired: number } | { deleted: true };
  /** Writes a phase usually makes (the nth write of a cut is drawn from 1..writes). */
  writes: number;
  /** Upper bound of a random kill delay (ms). */
  delayMs: number;
}

async function activeWith(pool: string, n: number): Promise<boolean> {
  const p = await readPool(pool);
  const s = p.status;
  if (!(s?.phase === 'Active' && s.readySize === n && s.currentSize === n && s.desiredSize === n))
    return false;
  const nodes = await poolNodes(pool);
  return nodes.length === n && nodes.every(ready) && nodes.every((x) => !x.spec?.unschedulable);
}

async function gone(c: TestCloud, pool: string): Promise<boolean> {
  const r = await kubectl(['get', 'nodepool', pool, '-o', 'name']);
  if (r.code === 0) return false;
  // the pool object is gone once its group is; its pay-as-you-go instances are released by then or soon after
  return ![...c.sim.cloud.instances.values()].some(
    (i) =>
      i.chargeType !== 'PrePaid' &&
      i.tags.some((t) => t.key === 'nodepool.alicloud.dev/pool' && t.value === pool),
  );
}

/**
 * One pool's whole life, with the operator SIGKILLed once in every step and started again:
 * create (2) → scale out (4) → Auto with consolidation (WhenEmpty after 2s, minSize 2: two empty nodes claimed,
 * drained and removed with the desired capacity lowered) → scale in with drain (1) → billing to Subscription
 * (2: RunInstances + attach) → delete (the Subscription instance is detached and kept, the pay-as-you-go one
 * released).
 */
function phases(c: TestCloud): Phase[] {
  const manual =
    (n: number, extra: Record<string, unknown> = {}) =>
    (pool: string) =>
      applyPool(
        poolManifest(c, pool, {
          scaling: { mode: 'Manual', desiredSize: n },
          disruption: { budget: 3, drainTimeout: '5m' },
          ...extra,
        }),
      );
  const consolidating = (pool: string) =>
    applyPool(
      poolManifest(c, pool, {
        scaling: { mode: 'Auto', minSize: 2, maxSize: 4 },
        disruption: { budget: 3, drainTimeout: '5m', consolidation: { policy: 'WhenEmpty', after: '2s' } },
      }),
    );
  const subscription = {
    billing: {
      chargeType: 'Subscription',
      subscription: { period: 1, periodUnit: 'Month', autoRenew: false },
    },
  };
  return [
    {
      name: 'create',
      apply: manual(2),
      converged: (p) => activeWith(p, 2),
      expect: { desired: 2 },
      writes: 4,
      delayMs: 3000,
    },
    {
      name: 'scale-out',
      apply: manual(4),
      converged: (p) => activeWith(p, 4),
      expect: { desired: 4 },
      writes: 1,
      delayMs: 2000,
    },
    {
      name: 'consolidate',
      apply: consolidating,
      converged: (p) => activeWith(p, 2),
      expect: { desired: 2 },
      writes: 2,
      delayMs: 4000,
    },
    {
      name: 'scale-in',
      apply: manual(1),
      converged: (p) => activeWith(p, 1),
      expect: { desired: 1 },
      writes: 2,
      delayMs: 2000,
    },
    {
      name: 'subscription',
      apply: manual(2, subscription),
      converged: (p) => activeWith(p, 2),
      expect: { desired: 2 },
      writes: 2,
      delayMs: 3000,
    },
    {
      name: 'delete',
      apply: async (p) => void (await kubectlOk(['delete', 'nodepool', p, '--wait=false'])),
      converged: (p) => gone(c, p),
      expect: { deleted: true },
      writes: 4,
      delayMs: 2000,
    },
  ];
}

/** What may ever be launched for the pool of `phases`: 2 + 2 pay-as-you-go, 1 Subscription. */
const LAUNCH_BUDGET = { PostPaid: 4, PrePaid: 1 };

function drawPlan(random: () => number, p: Phase): CutPlan {
  if (random() < 0.25) return { mode: 'delay', ms: Math.floor(random() * p.delayMs) };
  return {
    mode: 'write',
    nth: 1 + Math.floor(random() * p.writes),
    when: random() < 0.5 ? 'before' : 'after',
  };
}

const describePlan = (p: CutPlan): string =>
  p.mode === 'delay' ? `kill after ${p.ms} ms` : `kill at write #${p.nth} (${p.when} the cloud ran it)`;

export interface TrialContext {
  cloud: TestCloud;
  operator: OperatorProcess;
  proxy: CloudProxy;
  random: () => number;
  log: (line: string) => void;
}

/** Runs one lifecycle (6 trials: one SIGKILL per step); returns each trial's result. */
export async function runLifecycle(ctx: TrialContext, lifecycle: number): Promise<TrialResult[]> {
  const { cloud, operator, proxy } = ctx;
  const pool = uniqueName(`np-crash-${lifecycle}`);
  const results: TrialResult[] = [];
  const firstSeq = proxy.nextSeq;
  for (const p of phases(cloud)) {
    const plan = drawPlan(ctx.random, p);
    const phaseStart = proxy.nextSeq;
    let cut: Promise<CloudCall | 'delay'>;
    if (plan.mode === 'write') {
      cut = proxy.arm({
        match: (c) => isWrite(c.action),
        nth: plan.nth,
        when: plan.when,
        onCut: () => operator.kill(),
      });
    } else {
      cut = new Promise((resolve) =>
        setTimeout(() => void operator.kill().then(() => resolve('delay')), plan.ms),
      );
    }
    await p.apply(pool);
    // Either the cut fires inside the operation, or the operation finishes first (then the kill comes after it).
    let fired = false;
    const watched = cut.then((c) => {
      fired = true;
      return c;
    });
    const converged = (async (): Promise<'converged' | undefined> => {
      const deadline = Date.now() + 120_000;
      while (!fired && Date.now() < deadline) {
        if (await p.converged(pool).catch(() => false)) return 'converged';
        await new Promise((r) => setTimeout(r, 200));
      }
      if (!fired) throw new Error(`${pool} ${p.name}: neither converged nor cut within 120 s`);
      return undefined;
    })();
    const first = (await Promise.race([watched, converged])) ?? (await watched);
    let cutAt: string;
    let midOperation = true;
    if (first === 'converged') {
      proxy.disarm();
      midOperation = false;
      if (plan.mode === 'delay') await cut;
      else await operator.kill();
      cutAt = 'after convergence';
    } else {
      cutAt =
        first === 'delay' ? `${plan.mode === 'delay' ? plan.ms : 0} ms` : `${first.action} ${first.cut}`;
      await converged;
    }
    const restarted = Date.now();
    await operator.start();
    const readyMs = Date.now() - restarted;
    await eventually(
      `${pool} ${p.name} after the restart`,
      async () => ((await p.converged(pool)) ? true : undefined),
      { timeoutMs: 180_000, intervalMs: 200 },
    );
    const convergeMs = Date.now() - restarted;
    // Transient cloud states (an instance still stopping) settle; what lasts 20 s is a violation.
    const calls = proxy.since(firstSeq);
    let violations: Violations = NONE;
    await eventually(
      `${pool} ${p.name} invariants`,
      async () => {
        violations = await checkPool(cloud, pool, p.expect, LAUNCH_BUDGET, calls);
        return count(violations) === 0 ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    ).catch(() => undefined);
    const r: TrialResult = {
      lifecycle,
      phase: p.name,
      plan: describePlan(plan),
      cutAt,
      midOperation,
      convergeMs,
      readyMs,
      violations,
    };
    results.push(r);
    const writes = proxy
      .since(phaseStart)
      .filter((c) => isWrite(c.action))
      .map((c) => `${c.action}${c.cut ? `(cut ${c.cut})` : ''}`);
    ctx.log(
      `[crash] #${lifecycle} ${p.name}: ${r.plan} → cut at ${cutAt}; converged ${convergeMs} ms after the restart (ready after ${readyMs} ms); violations ${count(violations)}; writes: ${writes.join(' ')}`,
    );
  }
  // the Subscription instance was kept by design, with its Node: the user's cleanup
  for (const n of await poolNodes(pool)) {
    await kubectlOk(['delete', 'node', n.metadata.name, '--wait=false']);
  }
  return results;
}

export interface Summary {
  trials: number;
  midOperation: number;
  leaked: number;
  duplicate: number;
  wronglyReleased: number;
  nodesWithoutInstance: number;
  instancesWithoutNode: number;
  convergeMs: { p50: number; max: number };
  byPhase: Record<string, { trials: number; p50: number; max: number }>;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

export function summarize(results: TrialResult[]): Summary {
  const sum = (k: keyof Violations) => results.reduce((n, r) => n + r.violations[k].length, 0);
  const ms = results.map((r) => r.convergeMs);
  const byPhase: Summary['byPhase'] = {};
  for (const r of results) {
    const xs = results.filter((x) => x.phase === r.phase).map((x) => x.convergeMs);
    byPhase[r.phase] = { trials: xs.length, p50: quantile(xs, 0.5), max: Math.max(...xs) };
  }
  return {
    trials: results.length,
    midOperation: results.filter((r) => r.midOperation).length,
    leaked: sum('leaked'),
    duplicate: sum('duplicate'),
    wronglyReleased: sum('wronglyReleased'),
    nodesWithoutInstance: sum('nodesWithoutInstance'),
    instancesWithoutNode: sum('instancesWithoutNode'),
    convergeMs: { p50: quantile(ms, 0.5), max: Math.max(...ms) },
    byPhase,
  };
}

/** Writes the results next to the test logs; returns the file. */
export async function writeResults(name: string, results: TrialResult[], summary: Summary): Promise<string> {
  const file = join(TEST_RUNS_DIR, `${name}.json`);
  await writeFile(file, JSON.stringify({ summary, results }, null, 2));
  return file;
}
