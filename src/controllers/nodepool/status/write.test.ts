import { describe, expect, test } from '@jest/globals';
import type { Status } from '../context.js';
import { mergeChanges } from './write.js';

describe('mergeChanges: a status write that met a 409, written again over the fresh object', () => {
  test("what this reconcile changed wins, field by field and automation block by block; what it did not touch stays fresh (elasticity's block, a newer write)", () => {
    const read = {
      phase: 'Active',
      readySize: 2,
      automation: { elasticity: { enabled: true }, consolidation: { enabled: true } },
    } as unknown as Status;
    const next = {
      phase: 'Active',
      readySize: 1,
      automation: {
        elasticity: { enabled: true },
        consolidation: { enabled: true, lastAction: { action: 'Released' } },
      },
    } as unknown as Status;
    const fresh = {
      phase: 'Active',
      readySize: 2,
      currentSize: 2,
      automation: {
        elasticity: { enabled: true, inFlight: [{ id: 'x' }] },
        consolidation: { enabled: true },
      },
    } as unknown as Status;
    expect(mergeChanges(read, next, fresh)).toEqual({
      phase: 'Active',
      readySize: 1,
      currentSize: 2,
      automation: {
        elasticity: { enabled: true, inFlight: [{ id: 'x' }] },
        consolidation: { enabled: true, lastAction: { action: 'Released' } },
      },
    });
  });
  test('a lagging read: its missing lastAction does not erase the one written since; the fields it changed win', () => {
    // read: before the previous write recorded the consolidation; next: this reconcile's preview changed
    const read = {
      automation: { consolidation: { enabled: true, next: { nodes: ['x'] } } },
    } as unknown as Status;
    const next = { automation: { consolidation: { enabled: true } } } as unknown as Status;
    const fresh = {
      automation: {
        consolidation: { enabled: true, lastAction: { action: 'Released' }, next: { nodes: ['x'] } },
      },
    } as unknown as Status;
    expect(mergeChanges(read, next, fresh).automation).toEqual({
      consolidation: { enabled: true, lastAction: { action: 'Released' } },
    });
  });
  test('an automation block this reconcile dropped is dropped; one it added is added', () => {
    const read = { automation: { scaleIn: { enabled: true } } } as unknown as Status;
    const next = { automation: { consolidation: { enabled: true } } } as unknown as Status;
    const fresh = {
      automation: { scaleIn: { enabled: true }, elasticity: { enabled: true } },
    } as unknown as Status;
    expect(mergeChanges(read, next, fresh).automation).toEqual({
      elasticity: { enabled: true },
      consolidation: { enabled: true },
    });
  });
  test('retained instances of both writes stay listed', () => {
    const read = { retainedInstances: [] } as unknown as Status;
    const next = { retainedInstances: [{ instanceId: 'i-b' }] } as unknown as Status;
    const fresh = { retainedInstances: [{ instanceId: 'i-a' }] } as unknown as Status;
    expect(mergeChanges(read, next, fresh).retainedInstances).toEqual([
      { instanceId: 'i-a' },
      { instanceId: 'i-b' },
    ]);
  });
  test('a field this reconcile removed is removed', () => {
    const read = { phase: 'Active', operation: { id: 'o' } } as unknown as Status;
    const next = { phase: 'Active' } as unknown as Status;
    expect(
      mergeChanges(read, next, { phase: 'Active', operation: { id: 'o' } } as unknown as Status),
    ).toEqual({ phase: 'Active' });
  });
});
