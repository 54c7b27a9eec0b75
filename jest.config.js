/** Jest with SWC: tests are transpiled only; `tsc --noEmit` type-checks them as a separate step of `npm test`. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" } }] },
  // Synthesizing stacks is CPU-bound; two workers match the two cores of a CI runner.
  maxWorkers: 2,
};
