/**
 * The promotion steps of the GitHub workflows (DESIGN.md §3, §4), through GitHub's REST API with the run's token.
 *
 *   promotion.ts check-tag <env>      refuse unless GITHUB_REF is a deploy tag of <env> and the previous
 *                                     environment's Flux parts all reported success on GITHUB_SHA
 *   promotion.ts move-branch <branch> point <branch> (the branch Flux follows) at GITHUB_SHA
 *   promotion.ts verify               post-deployment: which environment and commit the event is about, and
 *                                     whether every part is healthy there (outputs env, sha, next, healthy)
 *   promotion.ts promote <env>        tag the commit in SHA as a deploy tag of <env> and start its pipeline
 */
import { appendFileSync, readFileSync } from "node:fs";
import { ConfigError, loadConfigFile } from "../config/load";
import type { KkpConfig } from "../config/resolve";
import { deploymentEvent, environmentVerdict, isDeployTag, promotionTag, type CommitStatus } from "../constructs/pipeline/promotion";

class PromotionError extends Error {}

const api = process.env.GITHUB_API_URL ?? "https://api.github.com";
const repo = () => required("GITHUB_REPOSITORY");

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new PromotionError(`${name} is not set; this command runs inside the GitHub workflow`);
  return value;
}

async function github(method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${api}/repos/${repo()}${path}`, {
    method,
    headers: { authorization: `Bearer ${required("GH_TOKEN")}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (response.status === 404 || response.status === 422) return { missing: true, status: response.status };
  if (!response.ok) throw new PromotionError(`GitHub API ${method} ${path}: ${response.status} ${await response.text()}`);
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
  const ref = required("GITHUB_REF");
  const tag = ref.replace(/^refs\/tags\//, "");
  if (!ref.startsWith("refs/tags/") || !isDeployTag(env.name, tag)) {
    throw new PromotionError(`${ref} is not a deploy tag of ${env.name}; deploy ${env.name} by pushing a tag ${env.name}-deploy-<anything>`);
  }
  const previous = config.environments[env.index - 1].name;
  const sha = required("GITHUB_SHA");
  const verdict = environmentVerdict(config, previous, await statuses(sha));
  const report = verdict.lines.map((l) => `  - ${l}`).join("\n");
  if (!verdict.healthy) {
    throw new PromotionError(
      `refusing ${tag}: ${previous} has no successful, healthy deployment of ${sha}:\n${report}\n` +
        `Deploy this commit to ${previous} first (or tag a commit ${previous} runs healthily).`,
    );
  }
  process.stdout.write(`${previous} runs ${sha} healthily:\n${report}\n`);
}

async function moveBranch(branch: string): Promise<void> {
  const sha = required("GITHUB_SHA");
  const moved = await github("PATCH", `/git/refs/heads/${branch}`, { sha, force: true });
  if (moved.missing) await github("POST", "/git/refs", { ref: `refs/heads/${branch}`, sha });
  process.stdout.write(`${branch} -> ${sha}\n`);
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
  const next = config.environments[env.index + 1]?.name ?? "";
  process.stdout.write(`${verdict.lines.join("\n")}\n`);
  output({ env: target.env, sha: target.sha, next, healthy: String(verdict.healthy) });
}

async function promote(envName: string): Promise<void> {
  const sha = required("SHA");
  const existing = await github("GET", `/git/matching-refs/tags/${envName}-deploy-`);
  if (Array.isArray(existing) && existing.some((ref: any) => ref.object?.sha === sha)) {
    process.stdout.write(`${envName} already has a deploy tag for ${sha}; nothing to do\n`);
    return;
  }
  const tag = promotionTag(envName, sha, new Date());
  await github("POST", "/git/refs", { ref: `refs/tags/${tag}`, sha });
  // A tag pushed with the run's own token starts no workflow; a dispatch does.
  await github("POST", `/actions/workflows/kkp-${envName}.yml/dispatches`, { ref: tag });
  process.stdout.write(`tagged ${sha} as ${tag} and started the ${envName} pipeline\n`);
}

async function main([command, arg]: string[]): Promise<void> {
  const { config } = loadConfigFile();
  switch (command) {
    case "check-tag":
      return checkTag(config, arg);
    case "move-branch":
      return moveBranch(arg);
    case "verify":
      return verify(config);
    case "promote":
      return promote(arg);
    default:
      throw new PromotionError("usage: promotion.ts check-tag <env> | move-branch <branch> | verify | promote <env>");
  }
}

main(process.argv.slice(2)).catch((error) => {
  if (!(error instanceof PromotionError || error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
