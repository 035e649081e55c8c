import { describe, expect, test } from '@jest/globals';
import { describeStep, planExisting, REINITIALIZED_TAG, type ExistingStep } from './plan.js';

const UID = 'uid-1';
const mine = { [REINITIALIZED_TAG]: UID };
const otherPool = { [REINITIALIZED_TAG]: 'uid-of-an-older-pool' };

describe('the next step of an existing instance, from what the cloud says of it', () => {
  // prettier-ignore
  test.each<[string, { member?: boolean; retained?: boolean; status: string; tags?: Record<string, string> }, ExistingStep['kind']]>([
    ['a member is done, whatever its state', { member: true, status: 'Stopped' }, 'member'],
    ['a member re-initialized by the pool is done', { member: true, status: 'Running', tags: mine }, 'member'],
    ['one the pool detached on purpose is not taken back', { retained: true, status: 'Running', tags: mine }, 'retained'],
    ['running, never re-initialized: stop it first', { status: 'Running' }, 'stop'],
    ['running, re-initialized for another (older) pool: stop it', { status: 'Running', tags: otherPool }, 'stop'],
    ['stopped by its owner, not re-initialized: re-image', { status: 'Stopped' }, 'reinitialize'],
    ['stopped, re-initialized for another pool: re-image', { status: 'Stopped', tags: otherPool }, 'reinitialize'],
    ['stopped and re-initialized (a restart after the re-image): start', { status: 'Stopped', tags: mine }, 'start'],
    ['running on its new disk: attach', { status: 'Running', tags: mine }, 'attach'],
    ['stopping: wait', { status: 'Stopping' }, 'wait'],
    ['starting after the re-image: wait', { status: 'Starting', tags: mine }, 'wait'],
    ['pending: wait', { status: 'Pending' }, 'wait'],
  ])('%s', (_name, o, kind) => {
    const step = planExisting({
      member: o.member ?? false,
      retained: o.retained ?? false,
      instance: { status: o.status, tags: o.tags ?? {} },
      poolUid: UID,
    });
    expect(step.kind).toBe(kind);
  });

  test('a re-initialized instance is never re-imaged again, whichever state it is seen in', () => {
    for (const status of ['Pending', 'Starting', 'Running', 'Stopping', 'Stopped']) {
      const step = planExisting({
        member: false,
        retained: false,
        instance: { status, tags: mine },
        poolUid: UID,
      });
      expect(step.kind).not.toBe('reinitialize');
      expect(step.kind).not.toBe('stop');
    }
  });

  test('the Progressing words name the instance and the step', () => {
    expect(describeStep('i-1', { kind: 'stop' })).toBe(
      'existing instance i-1: stopping it to re-initialize it (step 1 of 4: stop, re-image, start, attach)',
    );
    expect(describeStep('i-1', { kind: 'wait', status: 'Stopping' })).toBe(
      'existing instance i-1: waiting while it is Stopping',
    );
    expect(describeStep('i-1', { kind: 'member' })).toBeUndefined();
  });
});
