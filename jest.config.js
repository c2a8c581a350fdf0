/** Jest runs TypeScript through ts-jest. Services (Temporal, Kafka, the test server) are real and started by
 * `npm run stack -- up`; test/support/services.ts checks they answer and names any that do not. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // Several Temporal native runtimes in one process can end in "ShutdownError: Core is shut down"
  // (sdk-typescript#614): each test file gets its own worker process and tests run one file at a time.
  maxWorkers: 1,
  testTimeout: 120_000,
};
