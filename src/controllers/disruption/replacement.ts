import type { ElasticityLaunch, NodePool } from '../../apis/v1beta1/index.js';
import type { CloudProvider } from '../../cloud/provider.js';
import type { ScalingGroup } from '../../cloud/types.js';
import type { Logger } from '../../log.js';
import { Launcher, type ResolvedLaunch } from '../provisioning/launcher.js';
import { marketOf } from '../provisioning/templates.js';
import type { ReplacementLauncher } from './executor.js';
import type { ReplacementRecord } from './types.js';

/**
 * Typed replacements (consolidation's cheaper node) of one pool, launched exactly as elasticity launches —
 * RunInstances of the chosen type and vSwitch with the pool's launch (ClientToken from the record's id, written
 * in the claim before the call), then an entrusted AttachInstances into the group (released by ESS like its
 * own, by the Delete table like the pool's).
 */
export function typedReplacements(
  // scaleOut: the Launcher's restarts of Stopped members (elasticity's); a replacement never asks for one
  cloud: Pick<
    CloudProvider,
    'runInstances' | 'attachInstances' | 'releaseInstances' | 'describeInstances' | 'scaleOut'
  >,
  cluster: string,
  log: Logger,
  target: { name: string; pool: NodePool; group: ScalingGroup },
  resolved: ResolvedLaunch | undefined,
): ReplacementLauncher {
  const launcher = new Launcher(cloud, cluster, log);
  const record = (x: ReplacementRecord): ElasticityLaunch => ({
    id: x.id,
    instanceType: x.instanceType,
    zoneId: x.zoneId,
    vSwitchId: x.vSwitchId,
    count: 1,
    startedAt: x.startedAt,
    ...(x.instanceIds ? { instanceIds: [...x.instanceIds] } : {}),
  });
  return {
    async launch(x) {
      if (!resolved)
        return { ok: false, unavailable: false, message: "the pool's launch is not resolved yet" };
      const out = await launcher.run(target, record(x), resolved, marketOf(target.pool));
      if (out.ok) return out;
      return out.unavailable
        ? { ok: false, unavailable: true, message: `${out.code}: ${out.message}` }
        : { ok: false, unavailable: false, message: String(out.error) };
    },
    async statuses(ids) {
      return new Map((await cloud.describeInstances(ids)).map((i) => [i.instanceId, i.status]));
    },
    attach: (x, ids) => launcher.attach(target, record(x), [...ids]),
    release: (x, ids) => launcher.release(record(x), [...ids]),
  };
}
