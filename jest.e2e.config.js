/**
 * The end-to-end suite against the real OpenStack test bed (test/e2e/README.md): one test file
 * at a time (they share one cloud), long timeouts (a recovery on the bed takes 10-30 s, a reset
 * up to a minute). Run with `npm run test:e2e` once test/e2e/bed/start.sh has started the bed.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'es6' } },
    ],
  },
  maxWorkers: 1,
  testTimeout: 600000,
  slowTestThreshold: 120,
  verbose: true,
};
