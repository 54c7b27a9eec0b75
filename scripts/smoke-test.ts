/**
 * Smoke-tests a deployed environment's public endpoints (constructs/pipeline/promotion.ts: smokeChecks), with
 * retries while DNS and certificates settle, and prints a Markdown table for the job summary.
 *
 *   npx tsx scripts/smoke-test.ts <env> [<Kubernetes API endpoint>]
 */
import { get } from "node:https";
import { ConfigError, loadConfigFile } from "../config/load";
import { smokeChecks, type SmokeCheck } from "../constructs/pipeline/promotion";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: smoke-test.ts <env>   checks the environment's API, dashboard, Dex and Grafana answer");

const ATTEMPTS = Number(process.env.SMOKE_ATTEMPTS ?? 30);
const WAIT_MS = Number(process.env.SMOKE_WAIT_MS ?? 20_000);

/** GET with the certificate checked, or (for the cluster's own CA) only the answer. */
function request(check: SmokeCheck): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(check.url, { rejectUnauthorized: !check.clusterCertificate, timeout: 10_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

async function probe(check: SmokeCheck): Promise<string | undefined> {
  let problem: string | undefined = "not tried";
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    try {
      const response = await request(check);
      problem = check.expect(response.status, response.body);
    } catch (error) {
      problem = error instanceof Error ? error.message : String(error);
    }
    if (problem === undefined) return undefined;
    if (attempt < ATTEMPTS) await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
  }
  return problem;
}

async function main(env: string | undefined, apiEndpoint: string | undefined): Promise<number> {
  const { config } = loadConfigFile();
  const checks = env ? smokeChecks(config, env, apiEndpoint || undefined) : [];
  if (checks.length === 0) {
    process.stderr.write(`usage: smoke-test.ts <env>, where <env> is one of: ${config.environments.map((e) => e.name).join(", ")}\n`);
    return 2;
  }
  const results = await Promise.all(checks.map(async (check) => ({ check, problem: await probe(check) })));
  process.stdout.write(`### Smoke test of ${env}\n\n| check | URL | result |\n| --- | --- | --- |\n`);
  for (const { check, problem } of results) process.stdout.write(`| ${check.name} | ${check.url} | ${problem ? `failed: ${problem}` : "ok"} |\n`);
  return results.some((r) => r.problem) ? 1 : 0;
}

main(process.argv[2], process.argv[3])
  .then((code) => (process.exitCode = code))
  .catch((error) => {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  });
