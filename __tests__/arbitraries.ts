/**
 * Generators of configurations for the property tests, shared by the in-process tests and the batch worker
 * (`synth-batch.ts`) that synthesizes generated configurations in separate processes.
 */
import fc from "fast-check";
import { parse } from "yaml";
import { exampleText, gcpExampleText } from "./helpers";

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
const cidr = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom(8, 16, 24, 32))
  .map(([a, b, prefix]) => (prefix === 8 ? `${a}.0.0.0/8` : prefix === 16 ? `${a}.${b}.0.0/16` : prefix === 24 ? `${a}.${b}.7.0/24` : `${a}.${b}.7.9/32`));
const uniqueNames = (max: number) => fc.uniqueArray(label, { minLength: 1, maxLength: max });

/** Valid configurations: either example, with the settings users change most varied within their rules. */
export const validConfig = fc
  .record({
    gcp: fc.boolean(),
    name: label,
    count: fc.constantFrom(1, 3, 5, 7),
    diskSizeGiB: fc.integer({ min: 20, max: 2000 }),
    bastion: fc.boolean(),
    apiCidrs: fc.array(cidr, { minLength: 0, maxLength: 12 }),
    sshCidrs: fc.array(cidr, { minLength: 0, maxLength: 3 }),
    pools: uniqueNames(3),
    replicas: fc.integer({ min: 0, max: 50 }),
    environments: uniqueNames(4),
    ttl: fc.integer({ min: 30, max: 86400 }),
    region: fc.constantFrom("eu-central-1", "us-east-2", "ap-northeast-1", "eu-west-3"),
    gcpRegion: fc.constantFrom("europe-west3", "us-central1", "asia-northeast1"),
    monitoring: fc.boolean(),
    logging: fc.boolean(),
    alerting: fc.boolean(),
    kubernetes: fc.constantFrom("1.34.11", "1.35.8", "1.36.4"),
  })
  .map((v) => {
    const data = parse(v.gcp ? gcpExampleText : exampleText);
    data.name = v.name;
    if (v.gcp) data.cloud.gcp.region = v.gcpRegion;
    else data.cloud.aws.region = v.region;
    data.controlPlane = { count: v.count, diskSizeGiB: v.diskSizeGiB };
    data.bastion = { enabled: v.bastion };
    // Without a bastion the jobs SSH to the nodes directly, from self-hosted runners inside the network.
    if (!v.bastion) data.pipeline = { runner: "kkp-vpc" };
    data.access = { apiCidrs: v.apiCidrs, sshCidrs: v.sshCidrs };
    data.workers = v.pools.map((name) => ({ name, replicasPerZone: v.replicas }));
    data.environments = v.environments.map((name) => ({ name }));
    data.dns.ttlSeconds = v.ttl;
    data.kubernetes = { version: v.kubernetes };
    Object.assign(data.kkp, { monitoring: v.monitoring, logging: v.logging, alerting: v.monitoring && v.alerting ? { webhook: true } : false });
    return data;
  });

/** Every path to a leaf value of a configuration, with the value. */
export function leaves(node: unknown, at: Array<string | number> = []): Array<[Array<string | number>, unknown]> {
  if (Array.isArray(node)) return node.flatMap((v, i) => leaves(v, [...at, i]));
  if (node !== null && typeof node === "object") return Object.entries(node).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [[at, node]];
}

export function objects(node: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(node)) return node.flatMap((v, i) => objects(v, [...at, i]));
  if (node !== null && typeof node === "object") return [at, ...Object.entries(node).flatMap(([k, v]) => objects(v, [...at, k]))];
  return [];
}

export function setAt(data: any, at: Array<string | number>, value: unknown): void {
  at.slice(0, -1).reduce((node, key) => node[key], data)[at[at.length - 1]] = value;
}

export const pathText = (at: Array<string | number>) => at.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), "");


/** A generated mistake: the configuration with one fault, and the setting an error message must name. */
export interface Mistake {
  readonly data: Record<string, any>;
  readonly setting: string;
}

/** Invalid configurations, one fault each: a wrong type, an unknown key, an out-of-range number, a malformed value, a missing required key. */
export const invalidConfig: fc.Arbitrary<Mistake> = fc
  .tuple(
    validConfig,
    fc.nat(),
    fc.constantFrom("type", "unknown-key", "range", "malformed", "missing"),
    fc.constantFrom<unknown>(42, "text", true, [], { nested: 1 }),
  )
  .map(([data, pick, kind, wrong]): Mistake => {
    switch (kind) {
      case "type": {
        const candidates = leaves(data).filter(([, value]) => typeof value !== typeof wrong || Array.isArray(wrong) || typeof wrong === "object");
        const [at] = candidates[pick % candidates.length];
        setAt(data, at, wrong);
        // For a value inside a list, the message may name the list.
        return { data, setting: pathText(at.slice(0, Math.max(1, at.length - 1))) };
      }
      case "unknown-key": {
        const targets = objects(data).filter((at) => !pathText(at).endsWith("tags") && !pathText(at).endsWith("labels"));
        const at = targets[pick % targets.length];
        at.reduce<any>((node, k) => node[k], data).typoX = "typo";
        return { data, setting: pathText([...at, "typoX"]) };
      }
      case "range": {
        const at = [["controlPlane", "count"], ["controlPlane", "diskSizeGiB"], ["dns", "ttlSeconds"]][pick % 3];
        setAt(data, at, 100000 + pick);
        return { data, setting: pathText(at) };
      }
      case "malformed": {
        const [at, bad] = (
          [
            [["kkp", "domain"], "KKP..example"],
            [["dns", "zone"], "-bad-.com"],
            [["access", "apiCidrs", 0], "10.0.0.300/8"],
            [["access", "sshCidrs", 0], "10.1.2.3/16"],
            [["kkp", "adminEmail"], "admin.example.com"],
            [["kubernetes", "version"], "v1.32"],
          ] as Array<[Array<string | number>, string]>
        )[pick % 6];
        setAt(data, at, bad);
        return { data, setting: pathText(at) };
      }
      case "missing": {
        const at = [["name"], ["kkp", "domain"], ["kkp", "adminEmail"], ["dns", "zone"], ["ssh", "publicKey"], ["ci", "github", "repository"]][pick % 6];
        delete at.slice(0, -1).reduce<any>((node, k) => node[k], data)[at[at.length - 1]];
        return { data, setting: pathText(at) };
      }
    }
  });
