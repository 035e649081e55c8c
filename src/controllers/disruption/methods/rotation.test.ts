import { describe, expect, test } from '@jest/globals';
import type { NodePool, PoolImage } from '../../../apis/v1beta1/index.js';
import type { PoolInstance } from '../../../cloud/types.js';
import type { Node } from '../../../kube/index.js';
import { poolInstance } from '../../../cloud/fake/instances.js';
import type { DeepReadonly } from '../../../util/readonly.js';
import type { Candidate, Claim, PoolView } from '../types.js';
import { rotationMethod, rotationOwner } from './rotation.js';

const NOW = Date.parse('2026-03-04T12:00:00Z'); // a Wednesday, 12:00 UTC
const inst = (id: string, imageId: string, over: Partial<PoolInstance> = {}): PoolInstance =>
  poolInstance(id, { imageId, ...over });
/** Member `n` (created on day n), running `imageId`, with a Ready Node. */
const member = (n: number, imageId: string, over: Partial<PoolInstance> = {}, claim?: Claim): Candidate => {
  const node: Node = {
    metadata: {
      name: `node-${n}`,
      creationTimestamp: `2026-01-${String(n + 1).padStart(2, '0')}T00:00:00Z`,
      annotations: claim ? { 'nodepool.alicloud.dev/disruption': JSON.stringify(claim) } : {},
    },
  };
  return { instanceId: `i-${n}`, instance: inst(`i-${n}`, imageId, over), node, ready: true, claim };
};
const claimBy = (method: Claim['method'], replacementsFirst = true): Claim => ({
  method,
  reason: 'r',
  voluntary: true,
  replacementsFirst,
  disposal: 'remove',
  since: '2026-03-04T11:00:00Z',
});
const IMAGE: PoolImage = {
  id: 'm-new',
  name: 'cos-2',
  version: '2',
  family: 'f',
  kubeletVersion: 'v1.34.9',
  adoptedBy: 'AutoUpgrade',
  reason: 'autoUpgrade: a newer image of the family',
};

interface Opts {
  upgrade?: boolean;
  patch?: boolean;
  maxSurge?: number | string;
  maxUnavailable?: number | string;
  budget?: number | string;
  windows?: { days: string[]; start: string; duration: string; timeZone?: string }[];
  image?: PoolImage;
  scaling?: Record<string, unknown>;
}
function view(candidates: Candidate[], desired: number, o: Opts = {}): PoolView {
  const management = {
    maintenance: { windows: o.windows, allowReboot: false },
    autoRepair: { enabled: false, notReadyTimeout: '10m', maxUnhealthy: '20%' },
    autoUpgrade: {
      enabled: o.upgrade ?? true,
      maxSurge: o.maxSurge ?? 1,
      maxUnavailable: o.maxUnavailable ?? 0,
    },
    autoPatch: { enabled: o.patch ?? false, severities: ['High'] },
    systemEvents: { enabled: false },
  };
  const spec = {
    scaling: o.scaling ?? { mode: 'Manual', desiredSize: desired },
    disruption: { budget: o.budget ?? '100%' },
    management,
  };
  return {
    kind: 'NodePool',
    pool: { metadata: { name: 'web' }, spec } as unknown as DeepReadonly<NodePool>,
    uid: 'u',
    status: { image: o.image ?? IMAGE },
    group: undefined,
    candidates,
    desired,
    lifecycleActions: [],
    deleting: false,
    now: NOW,
    podsOn: () => Promise.resolve(new Map()),
  };
}
const upgrade = rotationMethod('upgrade');
const patch = rotationMethod('patch');
const propose = async (v: PoolView, m = upgrade) => {
  const p = await m.propose(v);
  return {
    commands: p.commands.map((c) => ({
      first: c.replacementsFirst,
      nodes: c.nodes.map((t) => t.node),
      replace: c.disposal.kind === 'remove' && c.disposal.replace,
    })),
    pending: p.pending,
  };
};
const open = { days: ['Wed'], start: '11:00', duration: '2h' };
const closed = { days: ['Sat', 'Sun'], start: '02:00', duration: '4h', timeZone: 'Asia/Shanghai' };

describe('rotation', () => {
  test('nothing runs another image: nothing', async () => {
    expect(await propose(view([member(1, 'm-new'), member(2, 'm-new')], 2))).toEqual({
      commands: [],
      pending: undefined,
    });
  });

  test('maxSurge 1: the oldest outdated node, its replacement first; removed with the desired capacity', async () => {
    const r = await propose(view([member(3, 'm-old'), member(1, 'm-old'), member(2, 'm-new')], 3));
    expect(r.commands).toEqual([{ first: true, nodes: ['node-1'], replace: false }]);
  });

  test('maxSurge 10% of 20 nodes: 2 at once; maxUnavailable 1 adds one drained first, replaced by ESS', async () => {
    const ms = Array.from({ length: 20 }, (_, i) => member(i + 1, 'm-old'));
    const r = await propose(view(ms, 20, { maxSurge: '10%', maxUnavailable: 1 }));
    expect(r.commands).toEqual([
      { first: true, nodes: ['node-1', 'node-2'], replace: false },
      { first: false, nodes: ['node-3'], replace: true },
    ]);
  });

  test('a window open now: it acts; a closed one holds it and the preview names the window and its next opening', async () => {
    const ms = [member(1, 'm-old'), member(2, 'm-old')];
    expect((await propose(view(ms, 2, { windows: [open] }))).commands).toHaveLength(1);
    const r = await propose(view(ms, 2, { windows: [closed] }));
    expect(r.commands).toEqual([]);
    // the next Saturday 02:00 in Shanghai is Friday 18:00 UTC
    expect(r.pending).toMatchObject({
      action: 'Replace',
      nodes: ['node-1', 'node-2'],
      notBefore: '2026-03-06T18:00:00.000Z',
    });
    expect(r.pending!.blockedBy).toEqual([
      {
        kind: 'MaintenanceWindow',
        message:
          'outside the maintenance windows Sat,Sun 02:00 for 4h (Asia/Shanghai); the next opens at 2026-03-06T18:00:00.000Z',
      },
    ]);
  });

  test('a rotation in flight goes on when the window closes; nothing new starts', async () => {
    const ms = [member(1, 'm-old', {}, claimBy('upgrade')), member(2, 'm-old')];
    const r = await propose(view(ms, 2, { windows: [closed] }));
    expect(r.commands).toEqual([{ first: true, nodes: ['node-1'], replace: false }]);
    expect(r.pending?.blockedBy[0]?.kind).toBe('MaintenanceWindow');
  });

  test('in flight uses the surge: the next waits; a drain-first claim keeps its kind', async () => {
    const ms = [member(1, 'm-old', {}, claimBy('upgrade', false)), member(2, 'm-old'), member(3, 'm-old')];
    const r = await propose(view(ms, 3, { maxSurge: 0, maxUnavailable: 1 }));
    expect(r.commands).toEqual([{ first: false, nodes: ['node-1'], replace: true }]);
  });

  test('the disruption budget: used up by another method, the preview says Budget', async () => {
    const ms = [member(1, 'm-old', {}, claimBy('scaleIn', false)), member(2, 'm-old')];
    const r = await propose(view(ms, 2, { budget: 1 }));
    expect(r.commands).toEqual([]);
    expect(r.pending?.blockedBy[0]).toMatchObject({ kind: 'Budget' });
  });

  test('an Auto pool at maxSize has no room for a surge: maxUnavailable 0 holds it (MaxSize), 1 drains first', async () => {
    const ms = [member(1, 'm-old'), member(2, 'm-old')];
    const scaling = { mode: 'Auto', minSize: 0, maxSize: 2 };
    const held = await propose(view(ms, 2, { scaling }));
    expect(held.commands).toEqual([]);
    expect(held.pending?.blockedBy[0]).toMatchObject({ kind: 'MaxSize' });
    const r = await propose(view(ms, 2, { scaling, maxUnavailable: 1 }));
    expect(r.commands).toEqual([{ first: false, nodes: ['node-1'], replace: true }]);
  });

  test('Subscription and attached instances are never rotated (the Delete table would only detach them)', async () => {
    const ms = [
      member(1, 'm-old', { chargeType: 'PrePaid' }),
      member(2, 'm-old', { creationType: 'Attached' }),
      member(3, 'm-old', { creationType: 'Attached', entrusted: true }),
    ];
    expect((await propose(view(ms, 3))).commands).toEqual([
      { first: true, nodes: ['node-3'], replace: false },
    ]);
  });

  test('who rotates: patch for an image autoPatch adopted, else upgrade; neither without autoUpgrade', async () => {
    const ms = [member(1, 'm-old'), member(2, 'm-new')];
    const patched = { ...IMAGE, adoptedBy: 'AutoPatch' as const };
    expect(rotationOwner(view(ms, 2, { upgrade: false, patch: true, image: patched }))).toBe('patch');
    expect(
      (await propose(view(ms, 2, { upgrade: false, patch: true, image: patched }), patch)).commands,
    ).toHaveLength(1);
    expect((await propose(view(ms, 2, { upgrade: false, patch: true, image: patched }))).commands).toEqual(
      [],
    );
    expect(rotationOwner(view(ms, 2, { upgrade: true, patch: true }))).toBe('upgrade');
    // spec.image changed with autoUpgrade off: new nodes only
    expect(
      rotationOwner(view(ms, 2, { upgrade: false, patch: true, image: { ...IMAGE, adoptedBy: 'Spec' } })),
    ).toBeUndefined();
    expect(upgrade.enabled(view(ms, 2, { upgrade: false }))).toBe(false);
  });

  test('unready nodes: nothing is drained without its replacement', async () => {
    const ms = [member(1, 'm-old'), { ...member(2, 'm-old'), ready: false }, member(3, 'm-old')];
    const r = await propose(view(ms, 3, { maxSurge: 1, maxUnavailable: 1 }));
    expect(r.commands).toEqual([{ first: true, nodes: ['node-1'], replace: false }]);
  });
});
