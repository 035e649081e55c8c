import { crashSuite } from './support/crash-suite.js';

// A handful of SIGKILL trials in `npm test` (one pool lifecycle, a kill in each of its 6 steps); the same
// trials ≥ 50 times in `npm run test:long` (crash.long.ts).
crashSuite({
  clusterId: 'c-crash',
  lifecycles: Number(process.env.NODEPOOL_CRASH_LIFECYCLES ?? 1),
  name: 'crash',
});
