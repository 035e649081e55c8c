import { rotationCrashSuite } from './support/rotation-trials.js';

// The SIGKILL trials with a rotation in flight (autoUpgrade): NODEPOOL_CRASH_ROTATIONS rotations (default 3),
// the operator killed once in each at a random cloud write or after a random delay.
rotationCrashSuite({
  clusterId: 'c-crashrot',
  trials: Number(process.env.NODEPOOL_CRASH_ROTATIONS ?? 3),
  name: 'crash-rotation',
});
