import { describe, expect, it } from '@jest/globals';
import type { LifecycleEvent, LifecycleEventType } from './cloud.js';
import { NodeFaults, nodeFaultSchema } from './node-faults.js';

let seq = 0;
function event(
  type: LifecycleEventType,
  instanceId: string,
  tags: Record<string, string> = {},
): LifecycleEvent {
  return {
    type,
    at: 0,
    seq: ++seq,
    instance: {
      instanceId,
      regionId: 'cn-hangzhou',
      zoneId: 'cn-hangzhou-i',
      instanceType: 'ecs.g7.large',
      privateIp: '10.0.0.1',
      hostName: instanceId,
      imageId: 'img',
      tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
      chargeType: 'PostPaid',
      spotStrategy: 'NoSpot',
    },
  };
}
const group = (id: string): Record<string, string> => ({ 'acs:autoscaling:scalingGroupId': id });
const none = (): boolean => false;

describe('NodeFaults', () => {
  it('a scaling-group rule takes the next `count` launches into that group only, then is gone', () => {
    const f = new NodeFaults();
    f.add({ kind: 'never-ready', scalingGroupId: 'asg-1', count: 2 }, none);
    f.observe(event('launched', 'i-other', group('asg-2')));
    f.observe(event('launched', 'i-1', group('asg-1')));
    f.observe(event('launched', 'i-2', group('asg-1')));
    f.observe(event('launched', 'i-3', group('asg-1')));
    expect(f.forInstance('i-other')).toBeUndefined();
    expect(f.forInstance('i-1')).toEqual({ kind: 'never-ready' });
    expect(f.forInstance('i-2')).toEqual({ kind: 'never-ready' });
    expect(f.forInstance('i-3')).toBeUndefined();
    expect(f.list().rules).toEqual([]);
  });

  it('a tag rule matches the key, and the value when given; the oldest matching rule goes first', () => {
    const f = new NodeFaults();
    f.add({ kind: 'bootstrap-fails', tag: { key: 'team' } }, none);
    f.add({ kind: 'never-ready', tag: { key: 'team', value: 'b' } }, none);
    f.observe(event('launched', 'i-a', { team: 'b' }));
    f.observe(event('launched', 'i-b', { team: 'b' }));
    f.observe(event('launched', 'i-c', { team: 'b' }));
    expect(f.forInstance('i-a')).toEqual({ kind: 'bootstrap-fails', command: 'systemctl', exitCode: 1 });
    expect(f.forInstance('i-b')).toEqual({ kind: 'never-ready' });
    expect(f.forInstance('i-c')).toBeUndefined();
  });

  it('an instance target needs the instance; a release forgets it; running events take no rule', () => {
    const f = new NodeFaults();
    expect(() => f.add({ kind: 'never-ready', instanceId: 'i-x' }, none)).toThrow(/i-x not found/);
    f.add({ kind: 'bootstrap-fails', instanceId: 'i-x', command: 'kubelet', exitCode: 7 }, () => true);
    expect(f.forInstance('i-x')).toEqual({ kind: 'bootstrap-fails', command: 'kubelet', exitCode: 7 });
    f.observe(event('released', 'i-x'));
    expect(f.forInstance('i-x')).toBeUndefined();
    f.add({ kind: 'never-ready', tag: { key: 'k' } }, none);
    f.observe(event('running', 'i-y', { k: 'v' }));
    expect(f.forInstance('i-y')).toBeUndefined();
    expect(f.list().rules).toHaveLength(1);
  });

  it('remove and clear', () => {
    const f = new NodeFaults();
    const { rule } = f.add({ kind: 'never-ready', scalingGroupId: 'asg-1' }, none);
    expect(f.remove(rule?.id ?? '')).toBe(true);
    expect(f.remove('nf-missing')).toBe(false);
    f.add({ kind: 'never-ready', instanceId: 'i-1' }, () => true);
    f.clear();
    expect(f.list()).toEqual({ rules: [], instances: [] });
  });

  it.each([
    [{ kind: 'never-ready' }, 'instanceId'],
    [{ kind: 'never-ready', instanceId: 'i-1', scalingGroupId: 'asg-1' }, 'instanceId'],
    [{ kind: 'never-ready', instanceId: 'i-1', count: 2 }, 'count'],
    [{ kind: 'never-ready', tag: { key: 'k' }, command: 'curl' }, 'command'],
    [{ kind: 'bootstrap-fails', tag: { key: 'k' }, command: 'rm' }, 'command'],
    [{ kind: 'bootstrap-fails', tag: { key: 'k' }, exitCode: 0 }, 'exitCode'],
    [{ kind: 'bootstrap-fails', scalingGroupId: 'asg-1', count: 0 }, 'count'],
  ])('rejects %j naming %s', (input, field) => {
    const r = nodeFaultSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
