// jest runs in ESM mode (NODE_OPTIONS=--experimental-vm-modules) with ts-jest's default-esm preset.
const common = {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  // lib/util/package-require.cts (CommonJS in both builds) is imported as `.cjs`; the mapping
  // names it alone so that `.cjs` files inside node_modules resolve as they are.
  moduleFileExtensions: ['ts', 'cts', 'js', 'cjs', 'json'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^(\\.{1,2}/(.*/)?util/package-require)\\.cjs$': '$1.cts',
  },
  transform: {
    '^.+\\.c?ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } },
    ],
  },
};

/** @type {import('jest').Config} */
export default {
  // `testTimeout` is a global option: jest ignores it inside a project, so it lives here and
  // applies to both projects (integration tests start and fail over real servers).
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.spec.ts'],
      globalSetup: '<rootDir>/test/harness/global-setup.ts',
      globalTeardown: '<rootDir>/test/harness/global-teardown.ts',
    },
  ],
};
