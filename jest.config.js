/**
 * Unit tests: every package's src, run from TypeScript (ts-jest, transpile only: `npm run build`
 * type-checks). @mydocker/* imports point at the sources so no build is needed first.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/examples'],
  testMatch: ['**/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@mydocker/([^/]+)$': '<rootDir>/packages/$1/src',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/tsconfig.base.json' }],
  },
  testTimeout: 20000,
};
