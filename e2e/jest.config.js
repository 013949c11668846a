/** End-to-end tests: they drive the built binary (packages/cli/bin/mydocker) as root. Run `npm run build` first. */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.e2e.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/../tsconfig.base.json' }],
  },
  testTimeout: 120000,
  maxWorkers: 1,
};
