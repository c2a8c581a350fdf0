/** Jest runs TypeScript through ts-jest. Services (Temporal, Kafka, the test server) are real and started by
 * `npm run stack -- up`; test/support/services.ts checks they answer and names any that do not. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // One file at a time, in band: the files share the real servers (and the 2 cores), and running several
  // Temporal native runtimes at once is what ends in "ShutdownError: Core is shut down" (sdk-typescript#614).
  // Each file installs its Runtime and tears its worker down before the next file starts.
  maxWorkers: 1,
  testTimeout: 120_000,
  // Registers the tests' own Temporal namespace and exports TEMPORAL_NAMESPACE for every test and spawned process.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  // Child processes of the tests serve metrics on free ports (see the file).
  setupFiles: ['<rootDir>/test/support/metrics-ports.ts'],
};
