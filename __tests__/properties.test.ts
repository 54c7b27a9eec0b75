/**
 * Property-based tests over the configuration (fast-check): generated valid configurations are accepted and
 * synthesize; generated mistakes are rejected with a message that names the setting, and nothing else escapes.
 */
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { ConfigError, parseConfig } from "../config/load";
import { exampleText, gcpExampleText, synthAll } from "./helpers";

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const cidr = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(8, 16, 24, 32))
  .map(([a, b, prefix]) => (prefix === 8 ? `${a}.0.0.0/8` : prefix === 16 ? `${a}.${b}.0.0/16` : prefix === 24 ? `${a}.${b}.7.0/24` : `${a}.${b}.7.9/32`));
const uniqueNames = (max: number) => fc.uniqueArray(label, { minLength: 1, maxLength: max });

/** Valid configurations: either example, with the settings users change most varied within their rules. */
const validConfig = fc
  .record({
    gcp: fc.boolean(),
    name: label,
    count: fc.constantFrom(1, 3, 5, 7),
    diskSizeGiB: fc.integer({ min: 20, max: 2000 }),
    bastion: fc.boolean(),
    apiCidrs: fc.array(cidr, { minLength: 1, maxLength: 12 }),
    sshCidrs: fc.array(cidr, { minLength: 1, maxLength: 3 }),
    pools: uniqueNames(3),
    replicas: fc.integer({ min: 0, max: 50 }),
    environments: uniqueNames(4),
    ttl: fc.integer({ min: 30, max: 86400 }),
    region: fc.constantFrom("eu-central-1", "us-east-2", "ap-northeast-1", "eu-west-3"),
    gcpRegion: fc.constantFrom("europe-west3", "us-central1", "asia-northeast1"),
  })
  .map((v) => {
    const data = parse(v.gcp ? gcpExampleText : exampleText);
    data.name = v.name;
    if (v.gcp) data.cloud.gcp.region = v.gcpRegion;
    else data.cloud.aws.region = v.region;
    data.controlPlane = { count: v.count, diskSizeGiB: v.diskSizeGiB };
    data.bastion = { enabled: v.bastion };
    data.access = { apiCidrs: v.apiCidrs, sshCidrs: v.sshCidrs };
    data.workers = v.pools.map((name) => ({ name, replicasPerZone: v.replicas }));
    data.environments = v.environments.map((name) => ({ name }));
    data.dns.ttlSeconds = v.ttl;
    return data;
  });

/** Every path to a leaf value of a configuration, with the value. */
function leaves(node: unknown, at: Array<string | number> = []): Array<[Array<string | number>, unknown]> {
  if (Array.isArray(node)) return node.flatMap((v, i) => leaves(v, [...at, i]));
  if (node !== null && typeof node === "object") return Object.entries(node).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [[at, node]];
}

function objects(node: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(node)) return node.flatMap((v, i) => objects(v, [...at, i]));
  if (node !== null && typeof node === "object") return [at, ...Object.entries(node).flatMap(([k, v]) => objects(v, [...at, k]))];
  return [];
}

function setAt(data: any, at: Array<string | number>, value: unknown): void {
  at.slice(0, -1).reduce((node, key) => node[key], data)[at[at.length - 1]] = value;
}

const pathText = (at: Array<string | number>) => at.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), "");

function rejection(data: unknown): ConfigError {
  try {
    parseConfig(stringify(data));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error; // anything else is a crash the user would see as a stack trace
  }
  throw new Error("accepted");
}

describe("configuration properties", () => {
  test("every generated valid configuration is accepted", () => {
    fc.assert(fc.property(validConfig, (data) => void parseConfig(stringify(data))), { numRuns: 2000 });
  });

  test("generated valid configurations synthesize", () => {
    // Each synthesis takes about a quarter of a second, and cdktf keeps every token it creates in a
    // process-wide registry, so one process cannot synthesize thousands (it ran out of a 4 GB heap after about
    // seven minutes). npm test samples 20 new configurations per run; PROPERTY_SYNTH_RUNS asks for more.
    fc.assert(fc.property(validConfig, (data) => void synthAll(parseConfig(stringify(data)))), { numRuns: Number(process.env.PROPERTY_SYNTH_RUNS ?? 20) });
  });

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
