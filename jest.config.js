/**
 * Unit tests live next to the code (*.spec.ts); medium tests too (*.medium-spec.ts): in-process, no build, against
 * the real Redis and Postgres of the local stack; tests that cross a process boundary live in test/ (*.e2e-spec.ts);
 * property-based fuzz suites are test/fuzz/*.fuzz-spec.ts (`npm run test:fuzz`, scripts/fuzz);
 * the fault-injection suite is test/faults/*.faults-spec.ts (`npm run test:faults`), its scenarios on a
 * three-broker Kafka cluster test/faults-cluster/*.faults-spec.ts (`npm run test:faults:cluster`).
 */
// Type checking is `npm run typecheck`'s job; tests only transpile (fast, per file).
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }];
// jose ships ES modules only: Jest's CommonJS runtime needs them transpiled (Node itself loads them with require).
const esmOnly = ['jose'];
const transform = {
  '^.+\\.ts$': tsJest,
  [`/node_modules/(${esmOnly.join('|')})/.+\\.js$`]: [
    'ts-jest',
    { tsconfig: { allowJs: true, isolatedModules: true } },
  ],
};
const transformIgnorePatterns = [`/node_modules/(?!(${esmOnly.join('|')})/)`];

const moduleNameMapper = {
  '^@threadline/(auth|client|config|contracts|errors|kafka|persistence|observability)$': '<rootDir>/libs/$1/src',
};

module.exports = {
  testTimeout: 180000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testMatch: [
        '<rootDir>/apps/**/*.spec.ts',
        '<rootDir>/libs/**/*.spec.ts',
        '<rootDir>/examples/**/*.spec.ts',
        '<rootDir>/test/faults/**/*.spec.ts',
        '<rootDir>/test/deploy/**/*.spec.ts',
        '<rootDir>/test/docs/**/*.spec.ts',
      ],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'medium',
      rootDir: __dirname,
      testMatch: ['<rootDir>/apps/**/*.medium-spec.ts', '<rootDir>/libs/**/*.medium-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      displayName: 'fuzz',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/fuzz/**/*.fuzz-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
    {
      displayName: 'faults',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/faults/**/*.faults-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
    },
    {
      displayName: 'faults-cluster',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/faults-cluster/**/*.faults-spec.ts'],
      transform,
      transformIgnorePatterns,
      moduleNameMapper,
      testEnvironment: 'node',
    },
  ],
};
