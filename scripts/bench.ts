/**
 * `npm run bench`: how fast synth, type-check and tests are on this machine, as one Markdown table of medians,
 * checked against the targets of the performance issue. A benchmark, not a test: it measures and reports,
 * and exits 0 whatever the figures (a miss is marked in the table and explained in the README).
 *
 *   BENCH_RUNS=5 npm run bench      runs per measurement (npm test: at most 3)
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { EXAMPLE_CONFIG, PROJECT_ROOT } from "../config/load";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: npm run bench   (BENCH_RUNS=<n> runs per measurement, default 5; the table on stdout, progress on stderr)");

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
// Inside the repository (ignored by git): the app refuses configuration files the pipeline could not read.
mkdirSync(path.join(PROJECT_ROOT, ".test-tmp"), { recursive: true });
const work = mkdtempSync(path.join(PROJECT_ROOT, ".test-tmp", "bench-"));
const GNU_TIME = "/usr/bin/time";

interface Run {
  readonly seconds: number;
  /** Peak resident memory in MiB, where GNU time is there to tell. */
  readonly peakMiB?: number;
}

/** Runs a shell command from the project root and measures it; fails loudly if the command fails. */
function measure(command: string, env: Record<string, string> = {}): Run {
  const timed = existsSync(GNU_TIME);
  const marker = path.join(work, "time.txt");
  const started = process.hrtime.bigint();
  const result = spawnSync(timed ? GNU_TIME : "bash", timed ? ["-f", "%M", "-o", marker, "bash", "-c", command] : ["-c", command], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, CHECKPOINT_DISABLE: "1", ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`'${command}' failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  const peakKiB = timed ? Number(readFileSync(marker, "utf8").trim().split("\n").pop()) : NaN;
  return { seconds, peakMiB: Number.isFinite(peakKiB) ? peakKiB / 1024 : undefined };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One progress line per run on stderr (the table goes to stdout), so minutes of measuring are never silent. */
function progress(label: string, run: number, runs: number, result?: Run): void {
  const done = result ? ` ${s(result.seconds)}` : "";
  process.stderr.write(`bench: ${label}: ${run === 0 ? "warm-up" : `run ${run}/${runs}`}${done}\n`);
}

function repeat(runs: number, command: string, env?: Record<string, string>, label = command): { seconds: number; peakMiB?: number } {
  progress(label, 0, runs, measure(command, env)); // warm-up: file cache, tsx's transform cache
  const results = Array.from({ length: runs }, (_, index) => {
    const result = measure(command, env);
    progress(label, index + 1, runs, result);
    return result;
  });
  const peaks = results.flatMap((r) => (r.peakMiB === undefined ? [] : [r.peakMiB]));
  return { seconds: median(results.map((r) => r.seconds)), peakMiB: peaks.length ? Math.max(...peaks) : undefined };
}

/** The embedded example with `count` environments. */
function configWithEnvironments(count: number): string {
  const data = parse(readFileSync(EXAMPLE_CONFIG, "utf8"));
  data.environments = Array.from({ length: count }, (_, i) => ({ name: `env${i + 1}` }));
  const file = path.join(work, `kkp-${count}.yaml`);
  writeFileSync(file, stringify(data));
  return file;
}

const outdir = (name: string) => path.join(work, name);
function s(seconds: number): string {
  return `${seconds.toFixed(2)} s`;
}
const verdict = (ok: boolean) => (ok ? "met" : "**missed**");

const cli = repeat(RUNS, `npx cdktf synth --output ${outdir("cli")}`, undefined, "cdktf synth");
const stock = repeat(RUNS, `npx cdktf synth --app "npx ts-node main.ts" --output ${outdir("stock")}`, undefined, "cdktf synth with ts-node");
const direct = [1, 5, 20].map((count) => ({
  count,
  ...repeat(RUNS, "node --import tsx main.ts", { KKP_CONFIG: configWithEnvironments(count), CDKTF_OUTDIR: outdir(`direct-${count}`) }, `app, ${count} environment(s)`),
}));
const typecheck = repeat(RUNS, "npx tsc --noEmit -p .", undefined, "type-check");
const tests = repeat(Math.min(RUNS, 3), "npm test --silent", undefined, "npm test");

const speedup = stock.seconds / cli.seconds;
const scaling = direct[2].seconds / direct[0].seconds;
const rows = [
  ["(a) `npx cdktf synth` (app: `node --import tsx main.ts`)", s(cli.seconds), "< 4 s", verdict(cli.seconds < 4)],
  ["(b) `npx cdktf synth` with the stock app `npx ts-node main.ts`", s(stock.seconds), "", ""],
  ["(a) vs (b)", `${speedup.toFixed(1)}x faster`, ">= 2.5x", verdict(speedup >= 2.5)],
  ...direct.map(({ count, seconds }) => [
    `(c) direct synth, ${count} environment${count > 1 ? "s" : ""} (${2 * count + 2} stacks)`,
    s(seconds),
    count === 1 ? "< 1.5 s" : "",
    count === 1 ? verdict(seconds < 1.5) : "",
  ]),
  ["(c) 20 environments vs 1", `${scaling.toFixed(2)}x`, "<= 1.5x", verdict(scaling <= 1.5)],
  ["(d) `tsc --noEmit` time", s(typecheck.seconds), "", ""],
  [
    "(d) `tsc --noEmit` peak memory",
    typecheck.peakMiB === undefined ? "n/a (no GNU time)" : `${typecheck.peakMiB.toFixed(0)} MiB`,
    "< 1 GB",
    typecheck.peakMiB === undefined ? "not measured" : verdict(typecheck.peakMiB < 1024),
  ],
  ["(e) `npm test` (type-check, then jest)", s(tests.seconds), "< 2 min", verdict(tests.seconds < 120)],
];

const machine = `${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? "unknown CPU"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}, Node ${process.version}`;
process.stdout.write(
  [
    `Machine: ${machine}; medians of ${RUNS} runs after a warm-up (npm test: ${Math.min(RUNS, 3)}).`,
    "",
    "| measurement | result | target | |",
    "| --- | ---: | --- | --- |",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
  ].join("\n"),
);
rmSync(work, { recursive: true, force: true });
