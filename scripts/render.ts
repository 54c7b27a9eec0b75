/**
 * Writes every repository file the CI stack manages.
 *
 *   npm run render                  write them into this repository
 *   npm run render -- --out <dir>   write them below <dir> instead
 *   npm run render -- --check       exit 1 when a committed file differs from what the code generates
 *                                   (with --out: the files below <dir>)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { loadConfigFile, PROJECT_ROOT, runReportingConfigErrors } from "../config/load";
import { installationOf } from "../config/installation";
import { repositoryFiles } from "../config/repository-files";

const USAGE = "usage: npm run render [-- --out <dir>] [-- --check]";

function main(args: string[]): number {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const unknown = args.filter((arg, i) => arg !== "--check" && arg !== "--out" && args[i - 1] !== "--out");
  if (unknown.length > 0) {
    process.stderr.write(`unknown argument ${unknown[0]}\n${USAGE}\n`);
    return 2;
  }
  const check = args.includes("--check");
  const outIndex = args.indexOf("--out");
  const out = outIndex >= 0 ? path.resolve(args[outIndex + 1] ?? "") : PROJECT_ROOT;
  if (outIndex >= 0 && !args[outIndex + 1]) {
    process.stderr.write("--out needs a directory\n");
    return 2;
  }
  const files = repositoryFiles(installationOf(loadConfigFile()));
  const stale: string[] = [];
  for (const [relative, content] of files) {
    const target = path.join(out, relative);
    if (check) {
      if (!existsSync(target) || readFileSync(target, "utf8") !== content) stale.push(relative);
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
    process.stdout.write(`wrote ${path.relative(process.cwd(), target) || target}\n`);
  }
  if (stale.length > 0) {
    process.stderr.write(
      `These generated files differ from what the code generates:\n${stale.map((f) => `  - ${f}`).join("\n")}\n` +
        "Regenerate them with `npm run render` and commit the result (or apply the CI stack, which commits them).\n",
    );
    return 1;
  }
  if (check) process.stdout.write(`${files.size} generated file(s) are current\n`);
  return 0;
}

runReportingConfigErrors(() => main(process.argv.slice(2)));
