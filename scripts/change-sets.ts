/**
 * Prints which change sets a push changed, one `name=true|false` line each (GitHub step-output format):
 *
 *   npx tsx scripts/change-sets.ts <before> <after>
 *
 * Everything counts as changed when <before> is unknown (a new branch, a force push, a shallow history).
 */
import { execFileSync } from "node:child_process";
import { loadConfigFile } from "../config/load";
import { installationOf, pipelineOf } from "../config/installation";
import { CHANGE_SETS } from "../constructs/core/pipeline-model";
import { matchesAny } from "../constructs/pipeline/globs";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: change-sets.ts <before> <after>   prints name=true|false per change set (all true when <before> is unknown)");

const [before, after] = process.argv.slice(2);
const pipeline = pipelineOf(installationOf(loadConfigFile()));

function changedFiles(): string[] | undefined {
  if (!before || /^0+$/.test(before)) return undefined;
  try {
    return execFileSync("git", ["diff", "--name-only", before, after ?? "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split("\n")
      .filter(Boolean);
  } catch {
    return undefined;
  }
}

const files = changedFiles();
for (const set of CHANGE_SETS) {
  const changed = files === undefined || files.some((f) => matchesAny(pipeline.changeSets[set], f));
  process.stdout.write(`${set}=${changed}\n`);
}
