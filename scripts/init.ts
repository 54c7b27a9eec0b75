/**
 * Starts a configuration: copies an example to kkp.yaml at the repository root, with its schema line pointing at
 * config/kkp.schema.json from there (so editors keep completing and checking it), and never over an existing file.
 *
 *   npm run init                  the embedded example (AWS, GitHub)
 *   npm run init -- gcp-github    examples/gcp-github.yaml (also: aws-gitlab, gcp-bitbucket, multi-env, ...)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { EXAMPLE_CONFIG, PROJECT_ROOT } from "../config/load";
import { exitWithUsageIfAsked } from "./cli";

// The tests write elsewhere (KKP_INIT_TARGET); the schema line is right for kkp.yaml at the repository root.
const TARGET = process.env.KKP_INIT_TARGET ?? path.join(PROJECT_ROOT, "kkp.yaml");
const SCHEMA_LINE = "# yaml-language-server: $schema=./config/kkp.schema.json";
const EXAMPLES_DIR = path.join(PROJECT_ROOT, "examples");
const examples = () => readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith(".yaml")).map((f) => f.slice(0, -".yaml".length)).sort();
const USAGE = `usage: npm run init [-- <example>], with <example> one of: ${examples().join(", ")} (default: the embedded example, AWS and GitHub)`;

function main(args: string[]): number {
  exitWithUsageIfAsked(USAGE, args);
  if (args.length > 1 || (args[0] !== undefined && !examples().includes(args[0]))) {
    process.stderr.write(`unknown example ${args.join(" ")}\n${USAGE}\n`);
    return 2;
  }
  if (existsSync(TARGET)) {
    process.stderr.write("kkp.yaml exists already; edit it, or move it away to start again\n");
    return 1;
  }
  const source = args[0] === undefined ? EXAMPLE_CONFIG : path.join(EXAMPLES_DIR, `${args[0]}.yaml`);
  const lines = readFileSync(source, "utf8").split("\n");
  const text = [SCHEMA_LINE, ...lines.filter((line) => !line.startsWith("# yaml-language-server:"))].join("\n");
  writeFileSync(TARGET, text, { flag: "wx" });
  process.stdout.write(
    [
      `wrote kkp.yaml from ${path.relative(PROJECT_ROOT, source)}`,
      "next: set name, cloud, ci, kkp.domain, kkp.adminEmail, dns.zone and ssh.publicKey, then run npm run check",
      "",
    ].join("\n"),
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
