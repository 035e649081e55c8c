import { describe, expect, test } from '@jest/globals';
import { LastActions } from './last-actions.js';

const released = (time: string) => ({ time, action: 'Released', nodes: ['n-1'], message: 'spot notice' });

describe('LastActions', () => {
  test('a last action the status lost (a refused write) is shown again; a newer one in the status wins', () => {
    const l = new LastActions();
    const done = released('2026-05-01T00:01:00.000Z');
    l.remember('p', 'uid-1', { spotInterruption: { enabled: true, lastAction: done } });
    // the next reconcile starts from a status without it (the write carrying it got a 409)
    const restored = l.restore('p', 'uid-1', {
      spotInterruption: { enabled: true },
      scaleIn: { enabled: true },
    });
    expect(restored).toEqual({
      spotInterruption: { enabled: true, lastAction: released('2026-05-01T00:01:00.000Z') },
      scaleIn: { enabled: true },
    });
    // an older one in the status is replaced; a newer one is kept
    const older = { spotInterruption: { enabled: true, lastAction: released('2026-05-01T00:00:00.000Z') } };
    expect(l.restore('p', 'uid-1', older)?.spotInterruption?.lastAction?.time).toBe(
      '2026-05-01T00:01:00.000Z',
    );
    const newer = { spotInterruption: { enabled: true, lastAction: released('2026-05-01T00:02:00Z') } };
    expect(l.restore('p', 'uid-1', newer)).toEqual(newer);
  });

  test('another pool of the same name (another uid), or a forgotten pool, gets nothing', () => {
    const l = new LastActions();
    l.remember('p', 'uid-1', { repair: { enabled: true, lastAction: released('2026-05-01T00:01:00Z') } });
    expect(l.restore('p', 'uid-2', undefined)).toBeUndefined();
    l.forget('p');
    expect(l.restore('p', 'uid-1', { repair: { enabled: true } })).toEqual({ repair: { enabled: true } });
  });
});
