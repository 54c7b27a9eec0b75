/**
 * Runs bash the way a CI step does: stdin from /dev/null. Node hands a child's stdin over as a socket, which bash
 * takes for a remote shell when SHLVL is unset or 0 (a subshell of some terminals and runners) and then reads
 * /etc/bash.bashrc, whose first line fails under `set -u`: a test's empty-stderr check would fail for a reason
 * that is not the script's.
 */
import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from "node:child_process";

export function bash(args: readonly string[], options: Omit<SpawnSyncOptions, "stdio"> = {}): SpawnSyncReturns<string> {
  return spawnSync("bash", args, { ...options, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
