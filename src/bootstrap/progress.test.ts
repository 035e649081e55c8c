import { describe, expect, test } from '@jest/globals';
import { bootstrapProgress, describeBootstrap } from './progress.js';

const L = (s: string) => `[nodepool-bootstrap] ${s}`;

describe('bootstrap progress from the console', () => {
  test('a failed step names the step and exit code; noise around it is ignored', () => {
    const out = [
      'cloud-init v. 24 running',
      L('step time-sync: start'),
      L('step time-sync: done in 12 ms'),
      L('step data-disk: start'),
      'mkfs: /dev/vdb: no such device',
      L('step data-disk: FAILED (exit 3) after 40 ms'),
      L('bootstrap failed at step data-disk; the node will not join'),
    ].join('\n');
    const p = bootstrapProgress(out);
    expect(p).toEqual({ state: 'failed', step: 'data-disk', exitCode: 3 });
    expect(describeBootstrap(p)).toBe('its bootstrap failed at step data-disk (exit 3)');
  });

  test('a step that started and never ended is where it hangs', () => {
    const p = bootstrapProgress(
      [L('step kubelet-start: done in 5 ms'), L('step kubeadm-join: start')].join('\n'),
    );
    expect(p).toEqual({ state: 'stuck', step: 'kubeadm-join' });
    expect(describeBootstrap(p)).toBe('its bootstrap was still at step kubeadm-join');
  });

  test('a tolerated failure (the script goes on) does not hide the later steps', () => {
    const out = [
      L('step cloud-monitor: FAILED (exit 1) after 3 ms'),
      L('step cluster-ca: start'),
      L('step cluster-ca: done in 2 ms'),
      L('bootstrap finished'),
    ].join('\n');
    expect(bootstrapProgress(out)).toEqual({ state: 'finished', lastStep: 'cluster-ca' });
    expect(describeBootstrap(bootstrapProgress(out))).toMatch(/finished, but the node never became Ready/);
  });

  test('done with nothing after it: stopped between steps; nothing at all: silent', () => {
    expect(bootstrapProgress(L('step os-config: done in 9 ms'))).toEqual({
      state: 'stuck',
      step: 'after os-config',
    });
    expect(describeBootstrap({ state: 'stuck', step: 'after os-config' })).toBe(
      'its bootstrap stopped after os-config',
    );
    expect(bootstrapProgress('')).toEqual({ state: 'silent' });
    expect(bootstrapProgress('Booting Linux...\nlogin:')).toEqual({ state: 'silent' });
  });
});
