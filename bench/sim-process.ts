// The simulator as a separate process (`nodepool-operator sim`), as `npm start` runs it, for the benchmarks.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Target } from './rpc.js';

/** A call to the simulator's admin API. */
export async function admin<T>(t: Target, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${t.adminUrl}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Starts `nodepool-operator sim --time-scale 1000` and reads its printed environment. */
export async function startSim(): Promise<{ target: Target; stop(): Promise<void> }> {
  // BENCH_SIM_NODE_ARGS: extra node flags for the simulator's process (e.g. --cpu-prof to see where time goes)
  const nodeArgs = (process.env.BENCH_SIM_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const args = [...nodeArgs, 'bin/nodepool-operator.js', 'sim', '--time-scale', '1000'];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, LOG_LEVEL: 'warn' },
  });
  const env: Record<string, string> = {};
  for await (const line of createInterface({ input: child.stdout })) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) env[m[1]] = m[2];
    if (line === 'ready') break;
  }
  const target: Target = {
    endpoint: env.ALIBABA_CLOUD_ECS_ENDPOINT ?? '',
    adminUrl: env.SIM_ADMIN_URL ?? '',
    accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
    accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
    regionId: env.ALIBABA_CLOUD_REGION_ID ?? 'cn-hangzhou',
  };
  return {
    target,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
