/** One scratch directory per jest run, below the repository's .test-tmp/; its workers inherit the variable. */
const { mkdirSync } = require("node:fs");
const path = require("node:path");

module.exports = () => {
  const dir = path.resolve(__dirname, "..", ".test-tmp", `run-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  process.env.KKP_TEST_TMP = dir;
};
