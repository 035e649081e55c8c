// Change → reconcile latency on an idle operator: patch an object, time until its reconcile starts.
import { pino } from 'pino';
import { ConfigMapSchema, KubeClient, Resources, TypedResource, loadKubeConfig } from '../dist/kube/index.js';
import { Controller } from '../dist/runtime/controller.js';
import { Informer } from '../dist/runtime/informer.js';

export async function benchLatency({ kubeconfig, namespace, samples = 300 }) {
  const client = new KubeClient(loadKubeConfig({ kubeconfig }));
  const cms = new TypedResource(client, Resources.configMaps, ConfigMapSchema);
  const log = pino({ level: 'silent' });
  await cms.create({ metadata: { name: 'latency', namespace } }, namespace);
  const informer = new Informer({ client, ref: Resources.configMaps, schema: ConfigMapSchema, namespace, logger: log }).start(); // prettier-ignore
  const waiting = new Map();
  const c = new Controller({
    name: 'latency',
    logger: log,
    reconcile: async (key) => {
      const at = performance.now();
      const i = informer.get(key)?.data?.i;
      waiting.get(i)?.(at);
    },
  }).watch(informer);
  await c.start();
  const fromSend = [];
  const fromAck = [];
  for (let i = 0; i < samples; i++) {
    const seen = new Promise((r) => waiting.set(String(i), r));
    const sent = performance.now();
    await cms.mergePatch('latency', { data: { i: String(i) } }, { namespace });
    const acked = performance.now();
    const started = await seen;
    fromSend.push(started - sent);
    fromAck.push(started - acked);
    await new Promise((r) => setTimeout(r, 20)); // idle between changes
  }
  await c.stop();
  await informer.stop();
  await client.close();
  const pct = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return +s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(2);
  };
  return {
    samples,
    fromPatchSentMs: { p50: pct(fromSend, 50), p99: pct(fromSend, 99), max: pct(fromSend, 100) },
    fromPatchAcknowledgedMs: { p50: pct(fromAck, 50), p99: pct(fromAck, 99), max: pct(fromAck, 100) },
  };
}
