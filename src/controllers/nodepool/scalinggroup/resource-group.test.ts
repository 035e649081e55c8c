import { describe, expect, test } from '@jest/globals';
import { poolInstance } from '../../../cloud/fake/instances.js';
import type { PoolInstance } from '../../../cloud/types.js';
import { instancesToMove } from './resource-group.js';

const member = (id: string, over: Partial<PoolInstance> = {}): PoolInstance =>
  poolInstance(id, { resourceGroupId: 'rg-old', ...over });

describe('instancesToMove', () => {
  const cases: [string, string | undefined, PoolInstance[], string[]][] = [
    ['every member in another group is moved', 'rg-new', [member('i-1'), member('i-2')], ['i-1', 'i-2']],
    [
      'members already there stay',
      'rg-new',
      [member('i-1'), member('i-2', { resourceGroupId: 'rg-new' })],
      ['i-1'],
    ],
    [
      'one moved by hand elsewhere is moved back',
      'rg-new',
      [member('i-1', { resourceGroupId: 'rg-x' })],
      ['i-1'],
    ],
    [
      'Pending and Stopped members are moved too',
      'rg-new',
      [
        member('i-1', { status: 'Pending', lifecycleState: 'Pending' }),
        member('i-2', { status: 'Stopped', lifecycleState: 'Stopped' }),
      ],
      ['i-1', 'i-2'],
    ],
    ['no resourceGroupId in the spec: nothing is managed', undefined, [member('i-1')], []],
    ['an instance ECS no longer knows is skipped', 'rg-new', [member('i-1', { status: undefined })], []],
    [
      'a member being removed is skipped',
      'rg-new',
      [member('i-1', { lifecycleState: 'Removing' }), member('i-2', { lifecycleState: 'Removing:Wait' })],
      [],
    ],
    [
      'an unreported resource group is not guessed at',
      'rg-new',
      [member('i-1', { resourceGroupId: undefined })],
      [],
    ],
  ];
  test.each(cases)('%s', (_name, want, instances, expected) => {
    expect(instancesToMove(want, instances)).toEqual(expected);
  });
});
