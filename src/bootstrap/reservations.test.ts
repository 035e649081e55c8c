import { execFileSync } from 'node:child_process';
import { describe, expect, test } from '@jest/globals';
import { allocatableOf, kubeReservedFor, kubeReservedShell } from './reservations.js';

describe('node reservations (one formula)', () => {
  test.each([
    // cores, GiB → reserved millicores, MiB
    [2, 4, 70, 1024],
    [4, 16, 80, 2662],
    [4, 32, 80, 3645],
    [8, 64, 90, 5611],
    [32, 128, 150, 9543],
    [64, 256, 230, 12165],
  ])('%i cores / %i GiB keep %im and %iMi', (cores, gib, cpu, mem) => {
    expect(kubeReservedFor(cores * 1000, gib * 1024)).toEqual({ cpuMilli: cpu, memoryMiB: mem });
  });

  test('allocatable = capacity − kubeReserved − systemReserved − eviction; the pool overrides the formula', () => {
    expect(allocatableOf({ cpuMilli: 4000, memoryMiB: 16384, gpus: 1 })).toEqual({
      cpuMilli: 3920,
      memoryMiB: 16384 - 2662 - 100,
      gpus: 1,
      pods: 110,
    });
    expect(
      allocatableOf(
        { cpuMilli: 4000, memoryMiB: 16384 },
        {
          maxPods: 64,
          kubeReserved: { cpu: '200m', memory: '1Gi' },
          systemReserved: { cpu: '100m', memory: '512Mi' },
          evictionHard: { 'memory.available': '5%' },
        },
      ),
    ).toEqual({ cpuMilli: 3700, memoryMiB: Math.floor(16384 - 1024 - 512 - 819.2), gpus: 0, pods: 64 });
  });

  test('the shell function the bootstrap runs gives the same numbers', () => {
    for (const [cpu, mem] of [
      [2000, 4096],
      [4000, 16384],
      [8000, 65536],
      [32000, 131072],
      [96000, 393216],
      [1000, 1024],
    ] as const) {
      // prettier-ignore
      const out = execFileSync('bash', ['-c', `${kubeReservedShell()}\nnpo_kube_reserved ${cpu} ${mem}`], { encoding: 'utf8' }).trim();
      const want = kubeReservedFor(cpu, mem);
      expect(out).toBe(`${want.cpuMilli}m ${want.memoryMiB}Mi`);
    }
  });
});
