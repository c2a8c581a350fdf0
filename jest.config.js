/** Jest runs TypeScript through ts-jest. Services (Temporal, Kafka, the test server) are real and started by
 * `npm run stack -- up`; test/support/services.ts checks they answer and names any that do not. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Two files at a time, one per core: each jest worker is a process of its own with its own Temporal runtime, and
  // every file uses its own task queues, topics, workflow ids, ports and temp folders on the shared servers. Most of
  // the long files wait on clocks (a 3-minute outage, ticks), so two at once halve the run (about 9 minutes warm).
  maxWorkers: 2,
  testSequencer: '<rootDir>/test/support/slowest-first-sequencer.js',
  testTimeout: 120_000,
  // Registers the tests' own Temporal namespace and exports TEMPORAL_NAMESPACE for every test and spawned process.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Child processes of the tests serve metrics on free ports (see the file).
  setupFiles: ['<rootDir>/test/support/metrics-ports.ts'],
};
