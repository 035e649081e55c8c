import { describe, expect, test } from '@jest/globals';
import type { MemberInstance } from './approval.js';
import {
  MEMBER_CACHE_MS,
  MEMBER_MISS_REFRESH_MS,
  PoolMemberCache,
  reusable,
  type MemberCloud,
} from './members.js';

describe('reusable: when a remembered member list answers a lookup', () => {
  const at = 1_000;
  test.each([
    ['nothing remembered', undefined, undefined, at, false],
    ['a read under way, whatever its age', { at, done: false }, undefined, at + 60_000, true],
    ['just read, name missing', { at, done: true }, false, at + MEMBER_MISS_REFRESH_MS - 1, true],
    ['a second old, name missing: read again', { at, done: true }, false, at + MEMBER_MISS_REFRESH_MS, false],
    ['a few seconds old, name present', { at, done: true }, true, at + MEMBER_CACHE_MS - 1, true],
    ['too old, name present: read again', { at, done: true }, true, at + MEMBER_CACHE_MS, false],
  ] as const)('%s', (_, e, has, now, want) => {
    expect(reusable(e, has, now)).toBe(want);
  });
});

/** The cloud's two reads, answering from what the test sets and counting calls. */
function fakeCloud() {
  const state = { group: [] as MemberInstance[], tagged: [] as MemberInstance[], groupReads: 0, tagReads: 0 };
  const cloud = {
    listPoolInstances: async () => {
      state.groupReads++;
      return state.group.map((m) => ({ ...m }));
    },
    findInstancesByTags: async () => {
      state.tagReads++;
      return state.tagged.map((m) => ({ ...m }));
    },
  } as unknown as MemberCloud;
  return { state, cloud };
}

describe('PoolMemberCache', () => {
  const pool = { name: 'web', region: 'cn-hangzhou', scalingGroupId: 'asg-1' };
  const m = (ip: string, id = `i-${ip}`): MemberInstance => ({
    instanceId: id,
    status: 'Running',
    privateIp: ip,
  });
  const name = (ip: string) => `cn-hangzhou.${ip}`;

  test("a scale-out's CSRs at once share one read of the group", async () => {
    const { state, cloud } = fakeCloud();
    state.group = [m('10.0.0.1'), m('10.0.0.2'), m('10.0.0.3')];
    let now = 0;
    const cache = new PoolMemberCache(cloud, () => now, 'c-1');
    const answers = await Promise.all(state.group.map((x) => cache.members(pool, name(x.privateIp!))));
    expect(answers.map((a) => a.length)).toEqual([3, 3, 3]);
    now += MEMBER_CACHE_MS - 1;
    await cache.members(pool, name('10.0.0.2'));
    expect(state.groupReads).toBe(1);
    expect(state.tagReads).toBe(0);
  });

  test('a name the list lacks is read again after a second; a known one only after the cache time', async () => {
    const { state, cloud } = fakeCloud();
    state.group = [m('10.0.0.1')];
    let now = 0;
    const cache = new PoolMemberCache(cloud, () => now, undefined);
    await cache.members(pool, name('10.0.0.1'));
    state.group.push(m('10.0.0.9'));
    expect(await cache.members(pool, name('10.0.0.9'))).toHaveLength(1); // just read: shared
    now += MEMBER_MISS_REFRESH_MS;
    expect(await cache.members(pool, name('10.0.0.9'))).toHaveLength(2);
    expect(state.groupReads).toBe(2);
    // a member released meanwhile is seen gone once the answer is MEMBER_CACHE_MS old
    state.group = [m('10.0.0.9')];
    now += MEMBER_CACHE_MS - 1;
    expect((await cache.members(pool, name('10.0.0.1'))).map((x) => x.privateIp)).toContain('10.0.0.1');
    now += 1;
    expect((await cache.members(pool, name('10.0.0.1'))).map((x) => x.privateIp)).toEqual(['10.0.0.9']);
  });

  test('instances tagged with the pool count only when the group lacks the name and a cluster id is set', async () => {
    const { state, cloud } = fakeCloud();
    state.group = [m('10.0.0.1')];
    state.tagged = [m('10.0.0.5', 'i-sub')];
    const cache = new PoolMemberCache(cloud, () => 0, 'c-1');
    expect(await cache.members(pool, name('10.0.0.1'))).toHaveLength(1);
    expect((await cache.members(pool, name('10.0.0.5'))).map((x) => x.instanceId)).toEqual([
      'i-10.0.0.1',
      'i-sub',
    ]);
    expect(state.tagReads).toBe(1);
    const noCluster = new PoolMemberCache(cloud, () => 0, undefined);
    expect(await noCluster.members(pool, name('10.0.0.5'))).toHaveLength(1);
    expect(state.tagReads).toBe(1);
  });

  test('a pool without a scaling group yet reads no group; a failed read is not remembered', async () => {
    const { state, cloud } = fakeCloud();
    let fail = true;
    const flaky = {
      ...cloud,
      listPoolInstances: async (id: string) => {
        if (fail) throw new Error('Throttling');
        return cloud.listPoolInstances(id);
      },
    };
    const cache = new PoolMemberCache(flaky, () => 0, undefined);
    expect(await cache.members({ ...pool, scalingGroupId: undefined }, name('10.0.0.1'))).toEqual([]);
    await expect(cache.members(pool, name('10.0.0.1'))).rejects.toThrow('Throttling');
    fail = false;
    state.group = [m('10.0.0.1')];
    expect(await cache.members(pool, name('10.0.0.1'))).toHaveLength(1);
  });
});
