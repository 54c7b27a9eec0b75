/**
 * The layers point one way. Every source directory has a layer; a file may import from its own directory and from
 * lower layers only, target directories (one cloud, one CI system) never from each other, and neither files nor
 * directories form an import cycle. Read from the source text, so a new import is judged before it is run.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";

/** Bottom to top. Directories on one row are peers: none may import another. */
const LAYERS: ReadonlyArray<readonly string[]> = [
  ["constructs/core", "config/settings"],
  ["constructs/content", "constructs"],
  ["constructs/pipeline"],
  ["constructs/targets"],
  ["constructs/clouds/*", "constructs/ci/*"],
  ["config"],
  ["stacks"],
  ["scripts", "."],
];

const SKIP = new Set(["node_modules", "cdktf.out", "__tests__", "examples"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return SKIP.has(entry) || entry.startsWith(".") ? [] : sourceFiles(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

const relative = (file: string) => path.relative(PROJECT_ROOT, file);
const directoryOf = (file: string) => path.dirname(relative(file)) || ".";

/** The layer of a directory, and the peer group it belongs to (`constructs/clouds/*` for every cloud). */
function placeOf(dir: string): { layer: number; group: string } | undefined {
  for (const [layer, row] of LAYERS.entries()) {
    for (const group of row) {
      if (group === dir || (group.endsWith("/*") && path.dirname(dir) === group.slice(0, -2))) return { layer, group };
    }
  }
  return undefined;
}

/** The project files `file` imports (static, dynamic and `require`), resolved to paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specifiers.map((spec) => {
    const target = path.resolve(path.dirname(file), spec);
    for (const candidate of [`${target}.ts`, path.join(target, "index.ts")]) {
      try {
        if (statSync(candidate).isFile()) return candidate;
      } catch {
        // try the next
      }
    }
    throw new Error(`${relative(file)} imports ${spec}, which is not a project file`);
  });
}

const files = sourceFiles(PROJECT_ROOT);
const graph = new Map(files.map((file) => [file, importsOf(file)]));

/** A cycle in `edges`, as the list of its nodes, or undefined. */
function findCycle(edges: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "visiting") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "visiting");
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

test("every source directory has a layer", () => {
  const unplaced = [...new Set(files.map(directoryOf))].filter((dir) => !placeOf(dir));
  expect(unplaced).toEqual([]);
});

test("imports point down the layers, never up and never into a peer target", () => {
  const offenders: string[] = [];
  for (const [file, targets] of graph) {
    const from = directoryOf(file);
    const here = placeOf(from);
    for (const target of targets) {
      const to = directoryOf(target);
      const there = placeOf(to);
      if (!here || !there || from === to) continue;
      if (there.layer >= here.layer) offenders.push(`${relative(file)} -> ${relative(target)}`);
    }
  }
  expect(offenders).toEqual([]);
});

test("no import cycle between files", () => {
  expect(findCycle(new Map([...graph].map(([file, targets]) => [relative(file), targets.map(relative)])))).toBeUndefined();
});

test("no import cycle between directories", () => {
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    for (const target of targets) {
      if (directoryOf(file) === directoryOf(target)) continue;
      edges.set(directoryOf(file), (edges.get(directoryOf(file)) ?? new Set()).add(directoryOf(target)));
    }
  }
  expect(findCycle(new Map([...edges].map(([dir, set]) => [dir, [...set]])))).toBeUndefined();
});

test("the checks see a cycle and an upward import when there is one", () => {
  expect(findCycle(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]))).toEqual(["a", "b", "c", "a"]);
  expect(findCycle(new Map([["a", ["b"]], ["b", []]]))).toBeUndefined();
  expect(placeOf("constructs/clouds/aws")!.layer).toBeGreaterThan(placeOf("constructs/pipeline")!.layer);
  expect(placeOf("constructs/clouds/aws")!.group).toBe(placeOf("constructs/clouds/gcp")!.group);
});

test("the CDK for Terraform core is imported in one module only, provider classes per resource", () => {
  const importers = files.filter((file) => /from\s+"cdktf"/.test(readFileSync(file, "utf8"))).map(relative);
  expect(importers).toEqual(["constructs/core/cdktf.ts"]);
});
