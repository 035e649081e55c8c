import { describe, expect, it } from '@jest/globals';
import { SharedLookups } from './shared-lookups.js';

describe('SharedLookups', () => {
  it('shares one lookup among callers while it runs and for its lifetime, then asks again', async () => {
    let t = 0;
    const memo = new SharedLookups(1000, () => t);
    let calls = 0;
    const read = (): Promise<number> => Promise.resolve(++calls);
    const all = await Promise.all([memo.memo('k', read), memo.memo('k', read), memo.memo('k', read)]);
    expect(all).toEqual([1, 1, 1]);
    t = 999;
    expect(await memo.memo('k', read)).toBe(1);
    expect(await memo.memo('other', read)).toBe(2);
    t = 1000;
    expect(await memo.memo('k', read)).toBe(3);
  });

  it('does not keep a failure', async () => {
    const memo = new SharedLookups(1000, () => 0);
    await expect(memo.memo('k', () => Promise.reject(new Error('throttled')))).rejects.toThrow('throttled');
    expect(await memo.memo('k', () => Promise.resolve('ok'))).toBe('ok');
  });

  it('keys the cloud reads by their ids in any order', async () => {
    const memo = new SharedLookups(1000, () => 0);
    const asked: string[][] = [];
    const cloud = memo.cloud({
      region: 'cn-hangzhou',
      images: (ids) => {
        asked.push([...ids]);
        return Promise.resolve([]);
      },
      latestImage: () => Promise.resolve('m-1'),
      familyImages: () => Promise.resolve([]),
      securityGroups: (ids) => {
        asked.push([...ids]);
        return Promise.resolve([]);
      },
      vSwitches: (ids) => {
        asked.push([...ids]);
        return Promise.resolve([]);
      },
      instanceTypes: (ids) => {
        asked.push([...(ids ?? [])]);
        return Promise.resolve([]);
      },
    });
    await cloud.securityGroups(['sg-b', 'sg-a']);
    await cloud.securityGroups(['sg-a', 'sg-b']);
    await cloud.images(['m-1']);
    await cloud.vSwitches(['vsw-2', 'vsw-1']);
    await cloud.vSwitches(['vsw-1', 'vsw-2']);
    await cloud.instanceTypes(['ecs.g7.large']);
    await cloud.instanceTypes(['ecs.g7.large']);
    expect(asked).toEqual([['sg-b', 'sg-a'], ['m-1'], ['vsw-2', 'vsw-1'], ['ecs.g7.large']]);
  });
});
