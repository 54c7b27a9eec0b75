/** Jest with SWC: tests are transpiled only; `tsc --noEmit` type-checks them as a separate step of `npm test`. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }],
    // Flux's CRD schemas ship as ES modules only: SWC turns them into CommonJS for Jest.
    "^.+\\.js$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!(@kubernetes-models|kubernetes-models|is-cidr|cidr-regex)/)"],
  resolver: "<rootDir>/jest.resolver.js",
  // Tests write their scratch files below .test-tmp/ (test-dirs.ts), removed when the run ends.
  globalSetup: "<rootDir>/__tests__/global-setup.js",
  globalTeardown: "<rootDir>/__tests__/global-teardown.js",
  modulePathIgnorePatterns: ["<rootDir>/.test-tmp/"],
  // Synthesizing stacks is CPU-bound; two workers match the two cores of a CI runner.
  maxWorkers: 2,
};
