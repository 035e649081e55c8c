import {
  ConfigMapSchema,
  NotFoundError,
  Resources,
  TypedResource,
  type ConfigMap,
} from '../../kube/index.js';
import { Controller, type ReconcileResult } from '../../runtime/controller.js';
import { splitKey } from '../../runtime/keys.js';
import type { ControllerDeps } from '../deps.js';

export const RUNTIME_PROBE_CONTROLLER = 'runtime-probe';
/** ConfigMaps with this label (in the operator's namespace) are runtime probes. */
export const PROBE_LABEL = 'nodepool.alicloud.dev/runtime-probe';
export const ANSWERED_BY = 'nodepool.alicloud.dev/probe-answered-by';
export const ANSWERED_REQUEST = 'nodepool.alicloud.dev/probe-answered-request';
export const ANSWERED_AT = 'nodepool.alicloud.dev/probe-answered-at';

/** What the probe ConfigMap should carry: the answer to its current `data.request`, by this replica. */
export function probeAnswer(
  cm: ConfigMap,
  identity: string,
  now: string,
): Record<string, string> | undefined {
  const request = cm.data?.request ?? '';
  const a = cm.metadata.annotations ?? {};
  if (a[ANSWERED_BY] === identity && a[ANSWERED_REQUEST] === request) return undefined;
  return { [ANSWERED_BY]: identity, [ANSWERED_REQUEST]: request, [ANSWERED_AT]: now };
}

/**
 * The runtime probe: a diagnostic that proves, from outside, that a replica holds the lease and its runtime
 * (informer → queue → reconcile → write) works end to end. Create a ConfigMap labelled
 * `nodepool.alicloud.dev/runtime-probe` in the operator's namespace with `data.request`; the leading replica
 * annotates it with its identity, the request it answered and when. Off unless `--enable-runtime-probe`.
 */
export function newRuntimeProbeController(deps: ControllerDeps): Controller {
  const namespace = deps.settings.namespace;
  const informer = deps.informers.informer(Resources.configMaps, ConfigMapSchema, {
    namespace,
    labelSelector: PROBE_LABEL,
  });
  const configMaps = new TypedResource(deps.client, Resources.configMaps, ConfigMapSchema);
  const controller = new Controller({
    name: RUNTIME_PROBE_CONTROLLER,
    logger: deps.logger,
    clock: deps.clock,
    metrics: {
      controller: deps.metrics.controller(RUNTIME_PROBE_CONTROLLER),
      queue: deps.metrics.queue(RUNTIME_PROBE_CONTROLLER),
    },
    reconcile: async (key, ctx): Promise<ReconcileResult> => {
      const cm = informer.get(key);
      if (!cm) return {};
      const answer = probeAnswer(cm, deps.identity, new Date(deps.clock.now()).toISOString());
      if (!answer) return {};
      const { name } = splitKey(key);
      try {
        // guarded by the resourceVersion read: a stale cache gives a Conflict and a retry, never a lost update
        await configMaps.mergePatch(
          name,
          { metadata: { resourceVersion: cm.metadata.resourceVersion, annotations: answer } },
          { namespace },
        );
        ctx.log.info(
          { action: 'answer-probe', probe: key, request: answer[ANSWERED_REQUEST] },
          'answered a runtime probe',
        );
      } catch (err) {
        if (err instanceof NotFoundError) return {};
        throw err;
      }
      return {};
    },
  });
  return controller.watch(informer);
}
