/**
 * Before any test: the command-line tools the tests run must be there (said here once, instead of as an opaque
 * failure deep in a test), and one scratch directory per jest run, below the repository's .test-tmp/; its workers
 * inherit the variable.
 */
const { spawnSync } = require("node:child_process");
const { mkdirSync } = require("node:fs");
const path = require("node:path");

const TOOLS = [
  ["kubectl", "kubectl kustomize builds the Flux tree in the repository-content tests (https://kubernetes.io/docs/tasks/tools/)"],
  ["git", "the change-set and GitLab tests run git"],
  ["rsync", "gitlab-ci-local, which runs the rendered .gitlab-ci.yml, copies the project with it (apt-get install rsync)"],
];

module.exports = () => {
  const missing = TOOLS.filter(([tool]) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(`npm test needs these tools on PATH:\n${missing.map(([tool, why]) => `  - ${tool}: ${why}`).join("\n")}`);
  }
  const dir = path.resolve(__dirname, "..", ".test-tmp", `run-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  process.env.KKP_TEST_TMP = dir;
};
