import { POOL_LABEL } from '../../src/bootstrap/labels.js';
import { eventually, getJson, kubectl } from '../support/kube.js';

/** What the NodePool tests read of a pool (through kubectl, as a user does). */
export interface PoolJson {
  metadata: { uid: string; finalizers?: string[] };
  status?: {
    phase?: string;
    desiredSize?: number;
    currentSize?: number;
    readySize?: number;
    scalingGroupId?: string;
    scalingConfigurationId?: string;
    observedGeneration?: number;
    zones?: { zoneId: string; currentSize: number }[];
    instanceTypes?: { instanceType: string; currentSize: number }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
    lastScalingActivity?: { status?: string; description?: string };
    retainedInstances?: { instanceId: string; chargeType?: string; reason?: string }[];
  };
}

export interface NodeJson {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[] }; // prettier-ignore
  spec?: { providerID?: string; unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] }; // prettier-ignore
  status?: { conditions?: { type: string; status: string }[] };
}

export const pool = (name: string): Promise<PoolJson> => getJson<PoolJson>(['nodepool', name]);
export const poolNodes = async (name: string): Promise<NodeJson[]> =>
  (await getJson<{ items: NodeJson[] }>(['nodes', '-l', `${POOL_LABEL}=${name}`])).items;
export const ready = (n: NodeJson): boolean => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false; // prettier-ignore
export const instanceOf = (n: NodeJson): string =>
  /\.(i-[a-z0-9]+)$/.exec(n.spec?.providerID ?? '')?.[1] ?? '';
export const condition = (p: PoolJson, type: string): NonNullable<NonNullable<PoolJson['status']>['conditions']>[number] | undefined => p.status?.conditions?.find((c) => c.type === type); // prettier-ignore

/** Polls until the pool is Active with `n` Ready nodes (and none of the `without` instances); returns its nodes. */
export async function activeWith(
  name: string,
  n: number,
  opts: { timeoutMs?: number; without?: string[] } = {},
): Promise<{ pool: PoolJson; nodes: NodeJson[] }> {
  // prettier-ignore
  const without = opts.without ?? [];
  return eventually(
    `pool ${name} Active with ${n} Ready nodes${without.length ? `, none of ${without.join(', ')}` : ''}`,
    async () => {
      const p = await pool(name);
      const s = p.status;
      const nodes = await poolNodes(name);
      const ok = s?.phase === 'Active' && s.readySize === n && s.currentSize === n && nodes.length === n && nodes.every(ready) && !nodes.some((x) => without.includes(instanceOf(x))); // prettier-ignore
      return ok ? { pool: p, nodes } : undefined;
    },
    { timeoutMs: opts.timeoutMs ?? 120_000 },
  );
}

/** Polls until the pool is gone; while it is not, the timeout message says what it waits for. */
export async function gone(name: string): Promise<void> {
  await eventually(`pool ${name} gone`, async () => {
    const r = await kubectl(['get', 'nodepool', name, '-o', 'json']);
    if (r.code !== 0) return true;
    const p = JSON.parse(r.stdout) as PoolJson;
    throw new Error(`phase ${p.status?.phase}: ${condition(p, 'Progressing')?.message ?? ''}`);
  }, { timeoutMs: 90_000 }); // prettier-ignore
}
