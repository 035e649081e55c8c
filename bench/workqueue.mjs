// Workqueue + controller loop throughput: keys/s through a no-op reconcile (goal ≥ 20,000 keys/s).
import { pino } from 'pino';
import { Controller } from '../dist/runtime/controller.js';
import { RuntimeMetrics } from '../dist/runtime/metrics.js';

export async function benchWorkqueue({ keys = 200_000, concurrency = 4 } = {}) {
  const metrics = new RuntimeMetrics();
  let done = 0;
  let finish;
  const finished = new Promise((r) => (finish = r));
  const c = new Controller({
    name: 'bench',
    logger: pino({ level: 'silent' }),
    concurrency,
    metrics: { controller: metrics.controller('bench'), queue: metrics.queue('bench') },
    reconcile: async () => {
      if (++done === keys) finish();
    },
  });
  await c.start();
  const t0 = performance.now();
  for (let i = 0; i < keys; i++) c.enqueue(`ns/key-${i}`);
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await c.stop();
  return { keys, concurrency, seconds: +seconds.toFixed(3), keysPerSecond: Math.round(keys / seconds) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify({ workqueue: await benchWorkqueue() }));
}
