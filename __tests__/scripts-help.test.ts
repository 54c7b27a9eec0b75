/** Every project script answers `--help` with its usage on stdout and exit 0, and does nothing else. */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { bash } from "./shell";

const scripts = readdirSync(path.join(PROJECT_ROOT, "scripts")).filter((f) => /\.(ts|sh)$/.test(f) && f !== "cli.ts");
const status = () => spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: PROJECT_ROOT, encoding: "utf8" }).stdout;

test.each(scripts)("%s --help prints its usage and exits 0, writing nothing", (script) => {
  const before = status();
  const file = path.join("scripts", script);
  const run = script.endsWith(".sh")
    ? bash([file, "--help"], { cwd: PROJECT_ROOT, encoding: "utf8" })
    : spawnSync(process.execPath, ["--import", "tsx", file, "--help"], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 30_000 });
  expect({ script, status: run.status }).toEqual({ script, status: 0 });
  expect(run.stdout.toLowerCase()).toMatch(/usage|scripts\/|npm run/);
  expect(status()).toBe(before);
});
