import { describe, expect, it } from '@jest/globals';
import { planSpotInterruption, type ReclaimNotice } from './plan.js';

const MIN = 60_000;
const NOW = 1_000 * MIN;
const notice = (over: Partial<ReclaimNotice> = {}): ReclaimNotice => ({
  instanceId: 'i-a',
  node: 'a',
  reclaimAt: NOW + 5 * MIN,
  disrupting: false,
  ...over,
});

describe('planSpotInterruption', () => {
  it('replaceBeforeReclaim: replacement first, drained at the latest drainLead before reclamation', () => {
    const [c] = planSpotInterruption([notice()], { replaceBeforeReclaim: true, drainLeadMs: 2 * MIN }, NOW);
    expect(c).toMatchObject({ node: 'a', replacementsFirst: true, drainBy: NOW + 3 * MIN });
  });
  it('without it: drained at once', () => {
    const [c] = planSpotInterruption([notice()], { replaceBeforeReclaim: false, drainLeadMs: 2 * MIN }, NOW);
    expect(c).toMatchObject({ replacementsFirst: false, drainBy: NOW });
    expect(c!.reason).toContain('drained at once');
  });
  it('replaceBeforeReclaim but the notice is nearly out: drained at once', () => {
    const [c] = planSpotInterruption(
      [notice({ reclaimAt: NOW + MIN })],
      { replaceBeforeReclaim: true, drainLeadMs: 2 * MIN },
      NOW,
    );
    expect(c).toMatchObject({ replacementsFirst: false, drainBy: NOW });
  });
  it('nothing for an instance without a Node or a node already being disrupted', () => {
    const out = planSpotInterruption(
      [notice({ node: undefined }), notice({ instanceId: 'i-b', node: 'b', disrupting: true })],
      { replaceBeforeReclaim: true, drainLeadMs: MIN },
      NOW,
    );
    expect(out).toEqual([]);
  });
  it('the soonest reclamation first', () => {
    const out = planSpotInterruption(
      [
        notice({ instanceId: 'i-late', node: 'late', reclaimAt: NOW + 5 * MIN }),
        notice({ instanceId: 'i-soon', node: 'soon', reclaimAt: NOW + 4 * MIN }),
      ],
      { replaceBeforeReclaim: true, drainLeadMs: MIN },
      NOW,
    );
    expect(out.map((c) => c.node)).toEqual(['soon', 'late']);
  });
});
