/**
 * The reliability suite (`npm run test:reliability`): faults, duplicates, bad input and the
 * secret scan, against the simulated cloud, real SMTP, ipmi_sim and the real CLI binary.
 * Same transform as jest.config.js; its own root; a reporter that prints the summary table and
 * writes it to .freezer-dr/reliability-summary.md.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  testMatch: ['<rootDir>/test/reliability/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2023', parser: { syntax: 'typescript' } }, module: { type: 'es6' } },
    ],
  },
  testTimeout: 60000,
  // The cases mostly wait on sockets and timers: two files at once on a 2-core machine.
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/reliability/support/summary-reporter.cjs'],
};
