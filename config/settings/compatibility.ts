/**
 * Which Kubernetes minors each release of the tools the pipeline runs supports, as data, each row with the upstream
 * file it was read from; and the check that refuses a configuration whose versions do not fit together.
 *
 * The same table drives the pipeline's upgrade guard (scripts/upgrade-guard.ts): KubeOne moves Kubernetes one minor
 * per apply and the KKP installer refuses to skip a KKP minor, so an upgrade is a sequence of configurations, each
 * of which this check accepts (docs/UPGRADING.md).
 */

/** A `major.minor` pair, e.g. `{ major: 1, minor: 36 }`. */
export interface Minor {
  readonly major: number;
  readonly minor: number;
}

/** An inclusive range of Kubernetes minors; `newest` is absent where the release names no upper bound. */
export interface KubernetesRange {
  readonly oldest: string;
  readonly newest?: string;
}

export interface ReleaseRow {
  /** The release line, `major.minor`, e.g. `1.14`. */
  readonly line: string;
  readonly kubernetes: KubernetesRange;
  /** Where the range was read: repository, tag and file. */
  readonly source: string;
}

export interface KkpRow extends ReleaseRow {
  /** Helm majors the installer accepts; `newest` absent where the installer checks only the oldest. */
  readonly helmMajors: { readonly oldest: number; readonly newest?: number };
  /** From this line on, KKP serves its web traffic through Gateway API with Envoy Gateway, never nginx-ingress. */
  readonly gatewayApi: boolean;
}

const KUBEONE_VALIDATION = "pkg/apis/kubeone/validation/validation.go MinimumSupportedVersion/MaximumSupportedVersion";
const KKP_VERSIONS = "kubermatic/docs content/kubermatic/<line>/architecture/compatibility/supported-versions (KKP names no separate range for its master cluster)";
const KKP_HELM = "cmd/kubermatic-installer/cmd_deploy.go MinHelmVersion, or pkg/install/helm/cli.go min/maxHelmVersionMajor";
const HELM_SKEW = "go.mod k8s.io/client-go, and Helm's version skew policy (the client-go minor and the three before it)";

interface Tables {
  readonly kubeone: ReleaseRow;
  readonly kkp: KkpRow;
  readonly flux: ReleaseRow;
  readonly helm: ReleaseRow;
}

/** The tables, one per tool. Rows are in release order; a configuration naming a line that is not here is refused. */
export const COMPATIBILITY: { readonly [T in keyof Tables]: readonly Tables[T][] } = {
  kubeone: [
    { line: "1.11", kubernetes: { oldest: "1.30", newest: "1.33" }, source: `kubermatic/kubeone v1.11.4 ${KUBEONE_VALIDATION}` },
    { line: "1.12", kubernetes: { oldest: "1.32", newest: "1.34" }, source: `kubermatic/kubeone v1.12.4 ${KUBEONE_VALIDATION}` },
    { line: "1.13", kubernetes: { oldest: "1.33", newest: "1.35" }, source: `kubermatic/kubeone v1.13.7 ${KUBEONE_VALIDATION}` },
    { line: "1.14", kubernetes: { oldest: "1.34", newest: "1.36" }, source: `kubermatic/kubeone v1.14.2 ${KUBEONE_VALIDATION}` },
  ],
  kkp: [
    { line: "2.28", kubernetes: { oldest: "1.30", newest: "1.33" }, helmMajors: { oldest: 3 }, gatewayApi: false, source: `${KKP_VERSIONS}; kubermatic/kubermatic v2.28.13 ${KKP_HELM}` },
    { line: "2.29", kubernetes: { oldest: "1.31", newest: "1.34" }, helmMajors: { oldest: 3 }, gatewayApi: false, source: `${KKP_VERSIONS}; kubermatic/kubermatic v2.29.10 ${KKP_HELM}` },
    { line: "2.30", kubernetes: { oldest: "1.32", newest: "1.35" }, helmMajors: { oldest: 3, newest: 4 }, gatewayApi: false, source: `${KKP_VERSIONS}; kubermatic/kubermatic v2.30.6 ${KKP_HELM}` },
    { line: "2.31", kubernetes: { oldest: "1.33", newest: "1.36" }, helmMajors: { oldest: 3, newest: 4 }, gatewayApi: true, source: `${KKP_VERSIONS}; kubermatic/kubermatic v2.31.0 ${KKP_HELM}; pkg/install/stack/kubermatic-master/stack.go deploys Envoy Gateway and no nginx-ingress` },
  ],
  flux: [
    { line: "2.6", kubernetes: { oldest: "1.31" }, source: "fluxcd/flux2 v2.6.4 cmd/flux/check.go kubernetesConstraints" },
    { line: "2.7", kubernetes: { oldest: "1.32" }, source: "fluxcd/flux2 v2.7.5 cmd/flux/check.go kubernetesConstraints" },
    { line: "2.8", kubernetes: { oldest: "1.33" }, source: "fluxcd/flux2 v2.8.8 cmd/flux/check.go kubernetesConstraints" },
    { line: "2.9", kubernetes: { oldest: "1.34", newest: "1.36" }, source: "fluxcd/flux2 v2.9.0 release notes; v2.9.4 .github/workflows/conformance.yaml and e2e.yaml (oldest supported kindest/node v1.34.1)" },
  ],
  helm: [
    { line: "3.17", kubernetes: { oldest: "1.29", newest: "1.32" }, source: `helm/helm v3.17.3 ${HELM_SKEW}: client-go v0.32` },
    { line: "3.20", kubernetes: { oldest: "1.32", newest: "1.35" }, source: `helm/helm v3.20.2 ${HELM_SKEW}: client-go v0.35` },
    { line: "3.21", kubernetes: { oldest: "1.33", newest: "1.36" }, source: `helm/helm v3.21.4 ${HELM_SKEW}: client-go v0.36` },
    { line: "4.2", kubernetes: { oldest: "1.33", newest: "1.36" }, source: `helm/helm v4.2.4 ${HELM_SKEW}: client-go v0.36` },
  ],
};

export type CompatibleTool = keyof Tables;

/** `v2.31.0`, `1.36.4` or `2.9` as a minor; undefined when the text is no version. */
export function minorOf(version: string): Minor | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

export function formatMinor(minor: Minor): string {
  return `${minor.major}.${minor.minor}`;
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareMinors(a: Minor, b: Minor): number {
  return a.major - b.major || a.minor - b.minor;
}

function parsed(line: string): Minor {
  const minor = minorOf(line);
  if (!minor) throw new Error(`not a version line: ${line}`);
  return minor;
}

export function inRange(kubernetes: Minor, range: KubernetesRange): boolean {
  return compareMinors(kubernetes, parsed(range.oldest)) >= 0 && (range.newest === undefined || compareMinors(kubernetes, parsed(range.newest)) <= 0);
}

export function describeRange(range: KubernetesRange): string {
  return range.newest === undefined ? `Kubernetes ${range.oldest} or newer` : `Kubernetes ${range.oldest} to ${range.newest}`;
}

/** The row of `version`'s release line in `tool`'s table. */
export function rowOf<T extends CompatibleTool>(tool: T, version: string): Tables[T] | undefined {
  const minor = minorOf(version);
  if (!minor) return undefined;
  const rows: readonly Tables[T][] = COMPATIBILITY[tool];
  return rows.find((row) => compareMinors(parsed(row.line), minor) === 0);
}

/** Whether the KKP release `version` serves its web traffic through Gateway API (2.31 and later). */
export function usesGatewayApi(version: string): boolean {
  const row = rowOf("kkp", version);
  if (row) return row.gatewayApi;
  // A line newer than the table keeps the newest line's way; check() refuses it anyway.
  const newest = COMPATIBILITY.kkp[COMPATIBILITY.kkp.length - 1];
  const minor = minorOf(version);
  return minor !== undefined && compareMinors(minor, parsed(newest.line)) > 0 && newest.gatewayApi;
}

/** The versions the check reads, with the setting each comes from. */
export interface VersionSet {
  readonly kubernetes: string;
  readonly kubeone: string;
  readonly kubermatic: string;
  readonly flux: string;
  readonly helm: string;
  readonly kubectl: string;
}

/** Where each version is set in the configuration file. */
export const VERSION_SETTINGS: Readonly<Record<keyof VersionSet, readonly (string | number)[]>> = {
  kubernetes: ["kubernetes", "version"],
  kubeone: ["pipeline", "tools", "kubeone"],
  kubermatic: ["pipeline", "tools", "kubermatic"],
  flux: ["pipeline", "tools", "flux"],
  helm: ["pipeline", "tools", "helm"],
  kubectl: ["pipeline", "tools", "kubectl"],
};

export interface VersionIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

const TABLE_OF: Readonly<Record<CompatibleTool, keyof VersionSet>> = { kubeone: "kubeone", kkp: "kubermatic", flux: "flux", helm: "helm" };
const NAMES: Readonly<Record<CompatibleTool, string>> = { kubeone: "KubeOne", kkp: "KKP", flux: "Flux", helm: "Helm" };

/**
 * Every way the versions do not fit: a release line the table does not know, a Kubernetes minor outside a tool's
 * range (naming the lines that would fit), kubectl more than one minor away from the cluster (Kubernetes' skew
 * policy), a Helm major the KKP installer refuses.
 */
export function checkCompatibility(versions: VersionSet): VersionIssue[] {
  const issues: VersionIssue[] = [];
  const kubernetes = minorOf(versions.kubernetes);
  if (!kubernetes) return issues;
  const k8s = formatMinor(kubernetes);
  for (const tool of Object.keys(COMPATIBILITY) as CompatibleTool[]) {
    const setting = TABLE_OF[tool];
    const version = versions[setting];
    const path = VERSION_SETTINGS[setting];
    const rows: readonly ReleaseRow[] = COMPATIBILITY[tool];
    // A malformed version has its own message from the schema.
    if (!minorOf(version)) continue;
    const row = rowOf(tool, version);
    const fitting = rows.filter((r) => inRange(kubernetes, r.kubernetes)).map((r) => r.line);
    const fits = fitting.length > 0 ? `; ${NAMES[tool]} ${fitting.join(", ")} ${fitting.length > 1 ? "support" : "supports"} Kubernetes ${k8s}` : "";
    if (!row) {
      issues.push({
        path,
        message: `is ${version}, a ${NAMES[tool]} release line the compatibility table does not know (it lists ${rows.map((r) => r.line).join(", ")})${fits}; pick one of those, or add the new line's row with its source to config/settings/compatibility.ts`,
      });
    } else if (!inRange(kubernetes, row.kubernetes)) {
      issues.push({
        path,
        message: `is ${version}, and ${NAMES[tool]} ${row.line} supports ${describeRange(row.kubernetes)}, not kubernetes.version ${versions.kubernetes}${fits}; change kubernetes.version or ${path.join(".")}`,
      });
    }
  }
  const kubectl = minorOf(versions.kubectl);
  if (kubectl && (kubectl.major !== kubernetes.major || Math.abs(kubectl.minor - kubernetes.minor) > 1)) {
    issues.push({
      path: VERSION_SETTINGS.kubectl,
      message: `is ${versions.kubectl}, more than one minor away from kubernetes.version ${versions.kubernetes}; kubectl supports one minor of skew, so use v${k8s}.x (the default follows kubernetes.version)`,
    });
  }
  const kkp = rowOf("kkp", versions.kubermatic);
  const helm = minorOf(versions.helm);
  if (kkp && helm && (helm.major < kkp.helmMajors.oldest || (kkp.helmMajors.newest !== undefined && helm.major > kkp.helmMajors.newest))) {
    const accepted = kkp.helmMajors.newest === undefined ? `${kkp.helmMajors.oldest} or newer` : `${kkp.helmMajors.oldest} to ${kkp.helmMajors.newest}`;
    issues.push({ path: VERSION_SETTINGS.helm, message: `is ${versions.helm}, and the KKP ${kkp.line} installer accepts Helm majors ${accepted}` });
  }
  return issues;
}

/** What the pipeline's upgrade guard decides for one component: go ahead, or stop and say why and what is next. */
export type UpgradeVerdict = { readonly ok: true; readonly reason: string } | { readonly ok: false; readonly reason: string };

const LINES_OF: Readonly<Record<"kubernetes" | "kkp", { readonly setting: string; readonly what: string }>> = {
  kubernetes: { setting: "kubernetes.version", what: "Kubernetes" },
  kkp: { setting: "pipeline.tools.kubermatic", what: "KKP" },
};

/**
 * Whether moving a running installation from `running` to `wanted` is one step: the same minor or the next one.
 * KubeOne upgrades Kubernetes one minor per apply and the KKP installer refuses to skip a minor, so anything else
 * stops with the next step to take. `running` undefined means nothing runs yet: a first installation, which passes.
 */
export function upgradeVerdict(component: "kubernetes" | "kkp", running: string | undefined, wanted: string): UpgradeVerdict {
  const { setting, what } = LINES_OF[component];
  const to = minorOf(wanted);
  if (!to) return { ok: false, reason: `${setting} is ${wanted}, which is not a version` };
  if (running === undefined) return { ok: true, reason: `no ${what} runs yet: a first installation of ${wanted}` };
  const from = minorOf(running);
  if (!from) return { ok: false, reason: `the running ${what} reports version '${running}', which this guard cannot read; check the cluster` };
  const next: Minor = { major: from.major, minor: from.minor + 1 };
  const order = compareMinors(to, from);
  if (order < 0) {
    return { ok: false, reason: `${what} ${running} runs and ${setting} is ${wanted}: a downgrade, which neither KubeOne nor the KKP installer supports; set ${setting} to ${formatMinor(from)}.x or newer` };
  }
  if (order === 0) return { ok: true, reason: `${what} ${running} runs; ${wanted} is the same minor` };
  if (compareMinors(to, next) === 0) return { ok: true, reason: `${what} ${running} runs; ${wanted} is the next minor, one step` };
  return {
    ok: false,
    reason: `${what} ${running} runs and ${setting} is ${wanted}, which skips ${formatMinor(next)}; upgrades go one minor at a time, so the next step is ${setting} ${formatMinor(next)}.x (docs/UPGRADING.md lists every step)`,
  };
}
