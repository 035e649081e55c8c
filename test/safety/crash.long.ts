import { crashSuite } from './support/crash-suite.js';

// `npm run test:long`: the SIGKILL trials of crash.test.ts, NODEPOOL_CRASH_LIFECYCLES lifecycles of 6 kills
// each (default 10: 60 trials).
crashSuite({
  clusterId: 'c-crashlong',
  lifecycles: Number(process.env.NODEPOOL_CRASH_LIFECYCLES ?? 10),
  name: 'crash-long',
});
