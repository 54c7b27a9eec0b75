/**
 * The promotion steps of the GitHub workflows, through GitHub's REST API with the run's token.
 *
 *   promotion.ts check-tag <env>             resolve DEPLOY_TAG (a deploy tag of <env>) to its commit, refuse unless
 *                                            that commit is merged into main and every Flux part of the previous
 *                                            environment reported success on it; output sha
 *   promotion.ts move-branch <branch> <sha>  point <branch> (the branch Flux follows) at <sha>
 *   promotion.ts verify                      post-deployment: which environment and commit the event is about,
 *                                            whether every part is healthy there, and the environment to promote
 *                                            to unless that already has a deploy tag of the commit
 *                                            (outputs env, sha, next, healthy)
 *   promotion.ts promote <env>               tag SHA as a deploy tag of <env> and dispatch its pipeline on main
 */
import { appendFileSync, readFileSync } from "node:fs";
import { ConfigError, loadConfigFile } from "../config/load";
import type { KkpConfig } from "../config/settings/resolve";
import { laterEnvironmentWorkflow } from "../constructs/ci/github/workflow";
import { deployTagPrefix, isDeployTag, MAIN_BRANCH, promotionTag } from "../constructs/core/names";
import { deploymentEvent, environmentVerdict, type CommitStatus } from "../constructs/pipeline/promotion";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: promotion.ts check-tag <env> | move-branch <branch> <sha> | verify | promote <env>");

class PromotionError extends Error {}

const api = process.env.GITHUB_API_URL ?? "https://api.github.com";
const repo = () => required("GITHUB_REPOSITORY");
const MAIN = MAIN_BRANCH;

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new PromotionError(`${name} is not set; this command runs inside the GitHub workflow`);
  return value;
}

/**
 * One REST call. `accept` lists the error statuses the caller handles itself (returned as `{ status, message }`);
 * any other failure stops the command.
 */
async function github(method: string, path: string, body?: unknown, accept: number[] = []): Promise<any> {
  const response = await fetch(`${api}/repos/${repo()}${path}`, {
    method,
    headers: { authorization: `Bearer ${required("GH_TOKEN")}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) {
    const text = await response.text();
    if (accept.includes(response.status)) return { status: response.status, message: text };
    throw new PromotionError(`GitHub API ${method} ${path}: ${response.status} ${text}`);
  }
  return response.status === 204 ? {} : response.json();
}

async function statuses(sha: string): Promise<CommitStatus[]> {
  const combined = await github("GET", `/commits/${sha}/status?per_page=100`);
  return (combined.statuses ?? []).map((s: any) => ({ context: String(s.context), state: String(s.state) }));
}

function output(values: Record<string, string>): void {
  const lines = Object.entries(values).map(([k, v]) => `${k}=${v}\n`).join("");
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, lines);
  process.stdout.write(lines);
}

async function checkTag(config: KkpConfig, envName: string): Promise<void> {
  const env = config.environments.find((e) => e.name === envName);
  if (!env || env.index === 0) throw new PromotionError(`${envName} is not an environment after the first; see environments in the configuration`);
  const tag = required("DEPLOY_TAG");
  if (!isDeployTag(env.name, tag)) {
    throw new PromotionError(`${tag} is not a deploy tag of ${env.name}; deploy ${env.name} with a tag ${env.name}-deploy-<anything>`);
  }
  const sha = await tagCommit(tag);
  // Only reviewed code deploys: the commit must be on main, where branch protection put it.
  const merged = await github("GET", `/compare/${MAIN}...${sha}`);
  if (merged.status !== "behind" && merged.status !== "identical") {
    throw new PromotionError(`refusing ${tag}: ${sha} is not on ${MAIN}; tag a commit that was merged into ${MAIN}`);
  }
  const previous = config.environments[env.index - 1].name;
  const verdict = environmentVerdict(config, previous, await statuses(sha));
  const report = verdict.lines.map((l) => `  - ${l}`).join("\n");
  if (!verdict.healthy) {
    throw new PromotionError(
      `refusing ${tag}: ${previous} has no successful, healthy deployment of ${sha}:\n${report}\n` +
        `Deploy this commit to ${previous} first (or tag a commit ${previous} runs healthily).`,
    );
  }
  process.stdout.write(`${previous} runs ${sha} healthily:\n${report}\n`);
  output({ sha });
}

/** The commit a tag names, through an annotated tag object if it is one. */
async function tagCommit(tag: string): Promise<string> {
  const ref = await github("GET", `/git/ref/tags/${encodeURIComponent(tag)}`, undefined, [404]);
  if (ref.status === 404) throw new PromotionError(`tag ${tag} does not exist; push it first`);
  if (ref.object.type === "commit") return ref.object.sha;
  const annotated = await github("GET", `/git/tags/${ref.object.sha}`);
  return annotated.object.sha;
}

async function moveBranch(branch: string, sha: string): Promise<void> {
  if (!/^[0-9a-f]{40}$/.test(sha ?? "")) throw new PromotionError(`move-branch needs a full commit SHA, got ${sha}`);
  const moved = await github("PATCH", `/git/refs/heads/${branch}`, { sha, force: true }, [422]);
  // 422 "Reference does not exist" on the first deployment: create the branch. Anything else (a ruleset refusing
  // the update, say) must fail the job, or Flux would silently stay on the old commit.
  if (moved.status === 422) {
    if (!/Reference does not exist/i.test(moved.message)) throw new PromotionError(`could not move ${branch}: ${moved.message}`);
    await github("POST", "/git/refs", { ref: `refs/heads/${branch}`, sha });
  }
  process.stdout.write(`${branch} -> ${sha}\n`);
}

/** Whether `env` already has a deploy tag on `sha`. */
async function hasDeployTag(env: string, sha: string): Promise<boolean> {
  const refs = await github("GET", `/git/matching-refs/tags/${deployTagPrefix(env)}`);
  return Array.isArray(refs) && refs.some((ref: any) => ref.object?.sha === sha);
}

async function verify(config: KkpConfig): Promise<void> {
  const event = JSON.parse(readFileSync(required("GITHUB_EVENT_PATH"), "utf8"));
  const target = deploymentEvent(config, required("GITHUB_EVENT_NAME"), event);
  if (!target) {
    output({ healthy: "false" });
    return;
  }
  const verdict = environmentVerdict(config, target.env, await statuses(target.sha));
  const env = config.environments.find((e) => e.name === target.env)!;
  const candidate = config.environments[env.index + 1]?.name ?? "";
  // Several events report one deployment; once promoted, the others must not ask the reviewers again.
  const next = candidate && verdict.healthy && !(await hasDeployTag(candidate, target.sha)) ? candidate : "";
  process.stdout.write(`${verdict.lines.join("\n")}\n`);
  output({ env: target.env, sha: target.sha, next, healthy: String(verdict.healthy) });
}

async function promote(envName: string): Promise<void> {
  const sha = required("SHA");
  const tag = promotionTag(envName, sha, new Date());
  if (!(await hasDeployTag(envName, sha))) await github("POST", "/git/refs", { ref: `refs/tags/${tag}`, sha });
  const existing = (await github("GET", `/git/matching-refs/tags/${deployTagPrefix(envName)}`)).find((ref: any) => ref.object?.sha === sha);
  const name = String(existing?.ref ?? `refs/tags/${tag}`).replace(/^refs\/tags\//, "");
  // A tag pushed with the run's own token starts no workflow; a dispatch does, with main's definition.
  await github("POST", `/actions/workflows/${laterEnvironmentWorkflow(envName)}/dispatches`, { ref: MAIN, inputs: { tag: name } });
  process.stdout.write(`started the ${envName} pipeline for ${name} (${sha})\n`);
}

async function main([command, arg]: string[]): Promise<void> {
  const { config } = loadConfigFile();
  switch (command) {
    case "check-tag":
      return checkTag(config, arg);
    case "move-branch":
      return moveBranch(arg, process.argv[4]);
    case "verify":
      return verify(config);
    case "promote":
      return promote(arg);
    default:
      throw new PromotionError("usage: promotion.ts check-tag <env> | move-branch <branch> <sha> | verify | promote <env>");
  }
}

main(process.argv.slice(2)).catch((error) => {
  if (!(error instanceof PromotionError || error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
