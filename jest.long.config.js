// `npm run test:long`: the scale tests (thousands of objects) and the ≥ 50 SIGKILL trials of test/safety/, on a
// control plane of their own. They are not part of `npm test`: jest.config.js's projects only match *.test.ts,
// and these files are *.long.ts.
import base from './jest.config.js';

const integration = base.projects.find((p) => p.displayName === 'integration');

/** @type {import('jest').Config} */
export default {
  ...base,
  projects: [
    {
      ...integration,
      displayName: 'long',
      testMatch: ['<rootDir>/test/long/**/*.long.ts', '<rootDir>/test/safety/**/*.long.ts'],
    },
  ],
  // one file at a time: each reports figures (timings), and the scale test's 25,000 objects would slow the
  // crash trials' API server (and the trials its informer) if they ran together
  maxWorkers: 1,
  testTimeout: 1_200_000,
};
