// npm run bench:boot — the node simulation's cost per boot (#7: goal <= 20 ms CPU on average after warm-up;
// the warm-up is BENCH_BOOT_WARMUP instances of the same pool, which run and verify the script).
// A control plane of its own (the cached binaries), the simulator in this process, instances launched with
// RunInstances through the SDK, each booted by the node simulation and joined by TLS bootstrap. CPU is this
// process's plus its children's (the sandboxed bash runs), from /proc; per boot = CPU / instances registered.
import { readFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DevStack, cachedBinaries } from '../src/devstack/index.js';
import { KubeClient, loadKubeConfig } from '../src/kube/index.js';
import { createLogger } from '../src/log.js';
import { startSimulator } from '../src/sim/cloud/index.js';
import { NodeSimulation } from '../src/sim/nodes/index.js';
import { bootFleet } from './boot-fleet.js';

const COLD = Number(process.env.BENCH_BOOT_COLD ?? 20);
const WARM = Number(process.env.BENCH_BOOT_WARM ?? 200);
/** Instances booted before the cache-on measurement starts (they run and verify the script: the warm-up). */
const WARMUP = Number(process.env.BENCH_BOOT_WARMUP ?? 10);
const TICK_MS = 10; // USER_HZ = 100 on Linux

/** CPU ms of this process and its waited-for children (utime, stime, cutime, cstime of /proc/self/stat). */
async function cpuMs(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((s, i) => s + Number(f[i]), 0) * TICK_MS;
}

const say = (o: unknown) => console.log(JSON.stringify(o));
const binaries = cachedBinaries();
if (!binaries) throw new Error('the control-plane binaries are not built: npm run devstack:build');
await mkdir(join(tmpdir(), 'nodepool-operator-bench'), { recursive: true });
const stack = await DevStack.start({
  runDir: await mkdtemp(join(tmpdir(), 'nodepool-operator-bench', 'boot-')),
  binaries,
  kwok: false,
});
const log = createLogger({ level: 'silent' });
const sim = await startSimulator({ log, timeScale: 100 });
try {
  const client = new KubeClient(loadKubeConfig({ kubeconfig: stack.kubeconfig }));
  const { launch } = await bootFleet(client, stack, sim);

  async function booted(nodes: NodeSimulation, ids: string[], label: string): Promise<void> {
    let last = 0;
    for (;;) {
      const done = ids.filter((i) => nodes.outcomes().has(i)).length;
      if (done === ids.length) return;
      if (performance.now() - last > 10_000) {
        process.stderr.write(`bench:boot ${label}: ${done}/${ids.length} booted\n`);
        last = performance.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Boots `amount` instances, measured after `warmup` others of the same pool have booted. */
  async function run(label: string, amount: number, cacheBoots: boolean, warmup = 0): Promise<void> {
    const nodes = new NodeSimulation(sim, { apiServer: stack.server, log, cacheBoots });
    nodes.start();
    if (warmup > 0) await booted(nodes, await launch(warmup), `${label} (warm-up)`);
    const before = nodes.cacheStats();
    const t0 = performance.now();
    const c0 = await cpuMs();
    const ids = await launch(amount);
    await booted(nodes, ids, label);
    await nodes.stop();
    const cpu = (await cpuMs()) - c0;
    const seconds = (performance.now() - t0) / 1000;
    const failed = ids.filter((i) => nodes.outcomes().get(i)?.error).length;
    const after = nodes.cacheStats();
    const cache =
      after && before ? { replayed: after.hits - before.hits, scriptRuns: after.runs - before.runs } : null;
    say({
      boot: label,
      warmup,
      instances: ids.length,
      failed,
      cpuMsPerBoot: +(cpu / ids.length).toFixed(1),
      bootsPerSecond: +(ids.length / seconds).toFixed(1),
      cache,
    });
  }

  await run('every boot runs its script (cache off)', COLD, false);
  await run('one pool, cache on, after warm-up', WARM, true, WARMUP);
  await client.close();
} finally {
  await sim.stop();
  await stack.stop();
}
