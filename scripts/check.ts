/**
 * Checks the configuration and says which file it is, before anything reads it.
 *
 *   npm run check                        validate; print every mistake once (exit 1) or what was read (exit 0)
 *   npm run check -- --for deploy        the same, and refuse the embedded example (deploy, diff, bootstrap)
 *
 * The npm scripts that wrap cdktf (synth, diff, deploy, state:bootstrap) run it first, so a mistake is reported
 * here, once, instead of twice inside the cdktf CLI's own output.
 */
import { ConfigError, configPath, EXAMPLE_CONFIG, isEmbeddedExample, loadConfigFile, PROJECT_ROOT, runReportingConfigErrors } from "../config/load";
import * as path from "node:path";

const USAGE = "usage: npm run check [-- --for deploy]";

function main(args: string[]): number {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const forIndex = args.indexOf("--for");
  const purpose = forIndex >= 0 ? args[forIndex + 1] : "synth";
  const known = new Set(["--for", purpose]);
  const unknown = args.filter((arg) => !known.has(arg));
  if (unknown.length > 0 || (purpose !== "synth" && purpose !== "deploy")) {
    process.stderr.write(`unknown argument ${unknown[0] ?? purpose}\n${USAGE}\n`);
    return 2;
  }
  const file = configPath();
  const example = isEmbeddedExample(file);
  if (example && purpose === "deploy") {
    throw new ConfigError(path.relative(PROJECT_ROOT, EXAMPLE_CONFIG), [
      "is the embedded example, which only synthesizes: there is no kkp.yaml at the repository root and KKP_CONFIG is not set. Copy the example to kkp.yaml (cp config/kkp.example.yaml kkp.yaml), fill it in, and run this again",
    ]);
  }
  const { config, configFile } = loadConfigFile(file);
  const summary = `${config.name}: ${config.cloud.provider} and ${config.ci.provider}, environments ${config.environments.map((env) => env.name).join(", ")}`;
  const origin = example ? " (the embedded example: no kkp.yaml at the repository root and no KKP_CONFIG)" : "";
  process.stderr.write(`configuration ${configFile}${origin}: valid, ${summary}\n`);
  return 0;
}

runReportingConfigErrors(() => main(process.argv.slice(2)));
