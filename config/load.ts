/**
 * Finds, reads and validates the configuration file. Every problem becomes one line naming the setting, its
 * line in the file, the bad value and the fix; nothing here throws anything but a ConfigError.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import { z } from "zod";
import { BUILT_IN, ciModule, cloudModule, type CiSection, type CloudSection, type Registry } from "./registry";
import { configSchemaFor } from "./schema";
import { editDistance } from "./settings/formats";
import { resolveConfig, type KkpConfig } from "./settings/resolve";

/** The resolved configuration of the built-in targets, with each target's section typed. */
export type Config = KkpConfig<CloudSection, CiSection>;

/** The repository root: config/ sits directly below it. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
export const EXAMPLE_CONFIG = path.join(PROJECT_ROOT, "config", "kkp.example.yaml");

/** A configuration mistake: shown to the user as a list of problems, never as a stack trace. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source}: invalid configuration\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Runs a command's `main` and sets the exit code it returns; a ConfigError becomes its message and exit 1, never a
 * stack trace. Anything else is a bug and is thrown.
 */
export function runReportingConfigErrors(main: () => number): void {
  try {
    process.exitCode = main();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}

/**
 * `KKP_CONFIG`, else `kkp.yaml` at the repository root, else the embedded example. What would surprise is refused:
 * an empty `KKP_CONFIG` (a typo in a script, not a choice), and a `kkp.yml` that would silently lose to the example.
 */
export function configPath(env: NodeJS.ProcessEnv = process.env, root: string = PROJECT_ROOT): string {
  if (env.KKP_CONFIG !== undefined) {
    if (env.KKP_CONFIG.trim() === "") {
      throw new ConfigError("KKP_CONFIG", ["is set but empty; unset it to use kkp.yaml at the repository root, or set it to your configuration file"]);
    }
    return path.resolve(env.KKP_CONFIG);
  }
  const local = path.join(root, "kkp.yaml");
  if (existsSync(local)) return local;
  for (const name of ["kkp.yml", "kkp.json", "kkp.YAML"]) {
    if (existsSync(path.join(root, name))) {
      throw new ConfigError(name, [`the configuration must be named kkp.yaml; rename it (git mv ${name} kkp.yaml), or set KKP_CONFIG=${name}`]);
    }
  }
  return EXAMPLE_CONFIG;
}

/** Whether `file` is the embedded example, which only `synth` and the tests may use. */
export function isEmbeddedExample(file: string): boolean {
  return path.resolve(file) === EXAMPLE_CONFIG;
}

export interface LoadedConfig {
  readonly config: Config;
  /** The file read, relative to the repository root: how the pipeline and the CI stack name it. */
  readonly configFile: string;
  /** The file the configuration came from, relative to the working directory when inside it. */
  readonly source: string;
}

export function loadConfigFile(file: string = configPath(), registry: Registry = BUILT_IN): LoadedConfig {
  const relative = path.relative(process.cwd(), file);
  const source = relative && !relative.startsWith("..") ? relative : file;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (error as Error).message;
    throw new ConfigError(source, [`cannot read the configuration (${reason}); set KKP_CONFIG to an existing file`]);
  }
  const configFile = path.relative(PROJECT_ROOT, path.resolve(file));
  if (configFile.startsWith("..") || path.isAbsolute(configFile)) {
    throw new ConfigError(source, [
      `is outside the repository (${PROJECT_ROOT}): the pipeline reads the configuration from the repository's checkout, so move the file into it, commit it and point KKP_CONFIG at it there`,
    ]);
  }
  return { config: parseConfig(text, source, registry), source, configFile };
}

/** Parses and validates configuration text; `source` names it in messages. */
export function parseConfig(text: string, source = "kkp.yaml", registry: Registry = BUILT_IN): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const at = lines.linePos(e.pos[0]);
        return `invalid YAML at line ${at.line}, column ${at.col}: ${e.message.split("\n")[0]}`;
      }),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError(source, ["the file must be a YAML mapping of settings, starting with name:, cloud:, ci:, ..."]);
  }
  const schema = configSchemaFor(registry);
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new ConfigError(source, describeIssues(schema, result.error.issues, data, doc, lines));
  }
  const parsed = result.data as unknown as Parameters<typeof resolveConfig<CloudSection, CiSection>>[0];
  const cloud = cloudModule(registry, parsed.cloud);
  return resolveConfig(parsed, {
    machineDefaults: cloud.machineDefaults,
    cloudLocation: cloud.location(parsed.cloud),
    backupsByDefault: cloud.backupsByDefault,
    repository: ciModule(registry, parsed.ci).repository(parsed.ci),
  });
}

type Path = readonly PropertyKey[];

function describeIssues(schema: z.core.$ZodType, issues: readonly z.core.$ZodIssue[], data: unknown, doc: Document, lines: LineCounter): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const at = [...issue.path, key];
        const hint = closest(key, knownKeys(schema, at.slice(0, -1), data));
        const fix = hint ? `did you mean '${hint}'?` : "remove it or check its spelling";
        problems.push(`${locate(at, doc, lines)}: unknown setting; ${fix}`);
      }
      continue;
    }
    problems.push(`${locate(issue.path, doc, lines)}: ${explain(issue, valueAt(data, issue.path))}`);
  }
  return problems;
}

function explain(issue: z.core.$ZodIssue, value: unknown): string {
  if (value === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union")) {
    return "is required but missing; add it (see config/kkp.example.yaml)";
  }
  if (value === null && issue.code === "invalid_type" && issue.expected === "object") {
    return "is empty but needs settings; fill it in (see config/kkp.example.yaml)";
  }
  const got = ` (got ${show(value)})`;
  switch (issue.code) {
    case "invalid_type":
      return `must be ${article(issue.expected)}${got}`;
    case "too_small":
      return issue.origin === "array"
        ? `needs at least ${issue.minimum} entr${issue.minimum === 1 ? "y" : "ies"}${got}`
        : `must be at least ${issue.minimum}${got}`;
    case "too_big":
      return issue.origin === "array" ? `takes at most ${issue.maximum} entries${got}` : `must be at most ${issue.maximum}${got}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => show(v)).join(", ")}${got}`;
    case "invalid_union":
      return `${stripPrefix(issue.message, issue.path)}${got}`;
    default:
      return issue.message.includes("(got ") ? issue.message : `${stripPrefix(issue.message, issue.path)}${got}`;
  }
}

/** Messages written as "a.b must ..." would repeat the path already printed in front of them. */
function stripPrefix(message: string, at: Path): string {
  const name = at.join(".");
  return name && message.startsWith(`${name} `) ? message.slice(name.length + 1) : message;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing";
  // A misplaced private key must not travel on into terminals and CI logs.
  if (typeof value === "string" && value.includes("PRIVATE KEY")) return "a private key, not shown";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `controlPlane.count (line 12)`, or the parent's line when the setting itself is missing (none at the top level). */
function locate(at: Path, doc: Document, lines: LineCounter): string {
  const name = formatPath(at);
  for (let depth = at.length; depth >= 1; depth--) {
    const node = doc.getIn(at.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === "object" && node.range) {
      return `${name} (line ${lines.linePos(node.range[0]).line})`;
    }
  }
  return name;
}

function formatPath(at: Path): string {
  if (at.length === 0) return "(top level)";
  return at.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

function valueAt(data: unknown, at: Path): unknown {
  return at.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined), data);
}

/** The keys the schema accepts for the object at `at` (following the data through unions and arrays). */
function knownKeys(root: z.core.$ZodType, at: Path, data: unknown): string[] {
  let schema: z.core.$ZodType | undefined = root;
  let node: unknown = data;
  for (const key of at) {
    schema = unwrap(schema, node);
    node = node !== null && typeof node === "object" ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (schema instanceof z.ZodArray) schema = schema.element;
    else if (schema instanceof z.ZodObject) schema = schema.shape[key as string];
    else return [];
  }
  schema = unwrap(schema, node);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.core.$ZodType | undefined, node: unknown): z.core.$ZodType | undefined {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional) current = current.unwrap();
    else if (current instanceof z.ZodPipe) current = current.in;
    else if (current instanceof z.ZodDiscriminatedUnion) {
      const discriminator = current.def.discriminator;
      const wanted = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[discriminator] : undefined;
      current = current.options.find((option) => option instanceof z.ZodObject && option.shape[discriminator]?.def.values?.includes(wanted));
    } else return current;
  }
}

/** The known key nearest to a typo, when it is near enough to be a plausible slip. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

