/**
 * Property-based tests over the configuration (fast-check): generated valid configurations are accepted and
 * synthesize; generated mistakes are rejected with a message that names the setting, and nothing else escapes.
 */
import fc from "fast-check";
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { ConfigError, parseConfig, PROJECT_ROOT } from "../config/load";
import { invalidConfig, leaves, objects, pathText, setAt, validConfig } from "./arbitraries";
import { envWithoutConfig, testDir } from "./test-dirs";

function rejection(data: unknown): ConfigError {
  try {
    parseConfig(stringify(data));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error; // anything else is a crash the user would see as a stack trace
  }
  throw new Error("accepted");
}

/** Configurations per worker process: small enough to stay far from the heap limit. */
const BATCH = 250;

interface BatchReport {
  seed: number;
  synthesized: number;
  failures: Array<{ index: number; error: string; config: string }>;
}

function runProcess(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: PROJECT_ROOT, env: { ...envWithoutConfig(), ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

async function runBatch(seed: number, count: number): Promise<BatchReport> {
  const run = await runProcess(["__tests__/synth-batch.ts", String(seed), String(count)], { NODE_OPTIONS: "--max-old-space-size=3072" });
  if (run.status !== 0) throw new Error(`batch with seed ${seed} crashed (exit ${run.status}):\n${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** Runs the tasks with at most `limit` at a time, results in task order. */
async function inParallel<T>(tasks: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

describe("configuration properties", () => {
  test("every generated valid configuration is accepted", () => {
    fc.assert(fc.property(validConfig, (data) => void parseConfig(stringify(data))), { numRuns: 2000 });
  });

  test("generated valid configurations synthesize, in batches of fresh processes", async () => {
    // cdktf keeps every token in a process-wide registry: one process cannot synthesize thousands (it ran out
    // of a 4 GB heap after about seven minutes), so each batch gets its own. npm test synthesizes 60 new
    // configurations per run; PROPERTY_SYNTH_RUNS=2000 runs thousands the same way (a few minutes on 2 cores).
    const total = Number(process.env.PROPERTY_SYNTH_RUNS ?? 60);
    const seeds = Array.from({ length: Math.ceil(total / BATCH) }, () => Math.floor(Math.random() * 2 ** 31));
    const reports = await inParallel(seeds.map((seed, i) => () => runBatch(seed, Math.min(BATCH, total - i * BATCH))), 2);
    expect(reports.flatMap((r) => r.failures.map((f) => ({ seed: r.seed, ...f })))).toEqual([]);
    expect(reports.reduce((sum, r) => sum + r.synthesized, 0)).toBe(total);
  }, 1_800_000);

  test("a value of the wrong type anywhere is rejected, naming that setting", () => {
    fc.assert(
      fc.property(validConfig, fc.nat(), fc.constantFrom<unknown>(42, "text", true, [], { nested: 1 }), (data, pick, wrong) => {
        const candidates = leaves(data).filter(([, value]) => typeof value !== typeof wrong || Array.isArray(wrong) || typeof wrong === "object");
        const [at] = candidates[pick % candidates.length];
        setAt(data, at, wrong);
        const problems = rejection(data).problems.join("\n");
        // Either the setting itself or, for a value inside a list, the list is named.
        expect(problems).toMatch(new RegExp(pathText(at.slice(0, Math.max(1, at.length - 1))).replace(/[.[\]]/g, "\\$&")));
      }),
      { numRuns: 1000 },
    );
  });

  test("an unknown key anywhere is rejected, naming the key", () => {
    fc.assert(
      fc.property(validConfig, fc.nat(), fc.stringMatching(/^[a-z]{3,10}X$/), (data, pick, key) => {
        const targets = objects(data).filter((at) => !pathText(at).endsWith("tags") && !pathText(at).endsWith("labels"));
        const at = targets[pick % targets.length];
        const target = at.reduce<any>((node, k) => node[k], data);
        target[key] = "typo";
        expect(rejection(data).problems.join("\n")).toContain(`${pathText([...at, key])}`);
      }),
      { numRuns: 1000 },
    );
  });

  test("out-of-range numbers are rejected with the bound", () => {
    fc.assert(
      fc.property(validConfig, fc.constantFrom(["controlPlane", "count"], ["controlPlane", "diskSizeGiB"], ["dns", "ttlSeconds"]), fc.integer({ min: 100000, max: 1e9 }), (data, at, big) => {
        setAt(data, [...at], big);
        expect(rejection(data).problems.join("\n")).toMatch(new RegExp(`${at.join("\\.")}.*must be at most`));
      }),
      { numRuns: 300 },
    );
  });

  test("malformed domains, CIDRs and regions are rejected, naming the setting", () => {
    fc.assert(
      fc.property(
        validConfig,
        fc.constantFrom<[string[], string]>(
          [["kkp", "domain"], "KKP..example"],
          [["dns", "zone"], "-bad-.com"],
          [["access", "apiCidrs", "0"], "10.0.0.300/8"],
          [["access", "sshCidrs", "0"], "10.1.2.3/16"],
        ),
        (data, [at, bad]) => {
          setAt(data, at.map((k) => (/^\d+$/.test(k) ? Number(k) : k)), bad);
          expect(rejection(data).problems.join("\n")).toContain(pathText(at.map((k) => (/^\d+$/.test(k) ? Number(k) : k))));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("generated invalid configurations, run through the real app", () => {
  test("each ends with a clear error naming the setting, exit code 1, no stack trace and no cdktf.out", async () => {
    const mistakes = fc.sample(invalidConfig, { numRuns: Number(process.env.PROPERTY_APP_RUNS ?? 16) });
    const runs = await inParallel(
      mistakes.map((mistake) => async () => {
        const dir = testDir("kkp-invalid-");
        const file = path.join(dir, "kkp.yaml");
        writeFileSync(file, stringify(mistake.data));
        const run = await runProcess(["main.ts"], { KKP_CONFIG: file, CDKTF_OUTDIR: path.join(dir, "cdktf.out") });
        return { setting: mistake.setting, file, dir, ...run };
      }),
      2,
    );
    for (const run of runs) {
      const observed = {
        setting: run.setting,
        status: run.status,
        stdout: run.stdout,
        header: run.stderr.split("\n")[0],
        namesSetting: run.stderr.split("\n").some((line) => line.startsWith(`  - ${run.setting}`)),
        stackTrace: /^\s+at /m.test(run.stderr),
        wroteOutput: existsSync(path.join(run.dir, "cdktf.out")),
      };
      expect(observed).toEqual({
        setting: run.setting,
        status: 1,
        stdout: "",
        header: `${path.relative(PROJECT_ROOT, run.file)}: invalid configuration`,
        namesSetting: true,
        stackTrace: false,
        wroteOutput: false,
      });
    }
  }, 300_000);
});
