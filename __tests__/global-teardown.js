/** Removes the run's scratch directory, and .test-tmp/ itself once no other run uses it. */
const { readdirSync, rmSync } = require("node:fs");
const path = require("node:path");

module.exports = () => {
  const dir = process.env.KKP_TEST_TMP;
  if (dir) rmSync(dir, { recursive: true, force: true });
  const root = path.resolve(__dirname, "..", ".test-tmp");
  try {
    if (readdirSync(root).every((entry) => entry === "adhoc")) rmSync(root, { recursive: true, force: true });
  } catch {
    // Already gone.
  }
};
