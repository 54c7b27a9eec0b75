/**
 * Scratch directories for tests, inside the repository (`.test-tmp/`, ignored by git) rather than the system's temp
 * directory: a configuration file there is one the pipeline could read, and one run's directories are removed
 * together when it ends (jest's global teardown), so `npm test` leaves nothing behind.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import * as path from "node:path";

export const TEST_TMP_ROOT = path.resolve(__dirname, "..", ".test-tmp");

/** This run's directory: set by the global setup; a fixed one when a test file runs outside jest's setup. */
export function runDir(): string {
  return process.env.KKP_TEST_TMP ?? path.join(TEST_TMP_ROOT, "adhoc");
}

/** A new, empty directory for one test, named `<prefix><random>`. */
export function testDir(prefix: string): string {
  mkdirSync(runDir(), { recursive: true });
  return mkdtempSync(path.join(runDir(), prefix));
}

/** This process's environment without `KKP_CONFIG`, for child processes that must find the configuration themselves. */
export function envWithoutConfig(): NodeJS.ProcessEnv {
  const { KKP_CONFIG: _ignored, ...rest } = process.env;
  return rest;
}
