/**
 * The pipeline's library of shell snippets: Terraform's flags and stack paths, tool installs, the SSH agent and
 * Kubernetes secrets created without a value on a command line. Job builders and renderers take their shell
 * from here, so each command is written once.
 */
import { stackDir, TOOLS_HOME } from "../core/names";
import type { Job, Pipeline, Step, Secret, Tool, ToolVersions } from "../core/pipeline-model";
import type { BastionTunnel } from "./targets";

/** Terraform never prompts in a pipeline, and waits for a lock held by another run instead of failing. */
export const TERRAFORM_FLAGS = "-input=false -lock-timeout=5m";
/** The plan the plan job saves and the apply job applies. */
export const PLAN_FILE = "plan.tfplan";
/** The Markdown summary of a plan (scripts/plan-summary.ts), shown to reviewers. */
export const PLAN_REPORT = "plan-summary.md";
/** The kubeconfig of the cluster, inside the (throw-away) checkout; KUBECONFIG points every tool at it. */
export const KUBECONFIG = ".kkp/kubeconfig";
/** Where the KKP release's charts are installed by scripts/install-tools.sh. */
export const KKP_CHARTS = `$HOME/${TOOLS_HOME}/kubermatic/charts`;
export const SYNTH = "npx cdktf synth";

/** `terraform` run in a synthesized stack's directory. */
export function terraform(stackId: string, args: string): string {
  return `terraform -chdir=${stackDir(stackId)} ${args}`;
}

export function step(name: string, run: string, secrets?: readonly Secret[]): Step {
  return secrets ? { name, run, secrets } : { name, run };
}

/**
 * The `tool=version` arguments of scripts/install-tools.sh for the binaries among `tools`; Terraform only where
 * no setup action installs it.
 */
export function installSpecs(versions: ToolVersions, tools: readonly Tool[], withTerraform: boolean): string[] {
  const pinned: Partial<Record<Tool, string>> = {
    ...(withTerraform ? { terraform: versions.terraform } : {}),
    kubeone: versions.kubeone,
    "kubermatic-installer": versions.kubermatic,
    kubectl: versions.kubectl,
    helm: versions.helm,
    flux: versions.flux,
    restic: versions.restic,
  };
  return tools.filter((t) => pinned[t] !== undefined).map((t) => `${t}=${pinned[t]}`);
}

/**
 * `npm ci`; without lifecycle scripts in a job that logs in to the cloud or reads a secret, so no package's install
 * script runs where a cloud token can be minted or a secret read, nor rewrites what a later step runs beside one
 * (the pipeline needs none of them: the synth and its scripts run on plain JavaScript and esbuild's prebuilt binary,
 * which npm installs as an optional dependency).
 */
export function npmInstall(trusted: boolean): string {
  return trusted ? "npm ci --ignore-scripts --no-audit --no-fund" : "npm ci --no-audit --no-fund";
}

/** Whether a job holds anything worth stealing: a cloud login, an SSH agent or a secret in any step. */
export function holdsCredentials(job: Pick<Job, "cloudLogin" | "sshAgent" | "steps">): boolean {
  return job.cloudLogin || job.sshAgent || job.steps.some((step) => (step.secrets ?? []).length > 0);
}

/**
 * Installs what a job needs on the CI image (node:<major>-bookworm): the project's npm packages, and the
 * pinned binaries below `toolsDir` (a cached directory), linked at ~/.kkp-tools where the jobs expect them.
 */
export function toolsScript(pipeline: Pipeline, job: Pick<Job, "tools" | "cloudLogin" | "sshAgent" | "steps">, toolsDir: string): string {
  const { tools } = job;
  const binaries = installSpecs(pipeline.tools, tools, true);
  return [
    ...(tools.includes("node") ? [npmInstall(holdsCredentials(job))] : []),
    ...(binaries.length > 0
      ? [
          "command -v unzip > /dev/null || (apt-get update -qq && apt-get install -y -qq unzip > /dev/null)",
          ...(tools.includes("restic") ? ["command -v bunzip2 > /dev/null || (apt-get update -qq && apt-get install -y -qq bzip2 > /dev/null)"] : []),
          `bash scripts/install-tools.sh --dir "${toolsDir}" ${binaries.join(" ")}`,
          `ln -sfn "${toolsDir}" "$HOME/${TOOLS_HOME}"`,
          `export PATH="$HOME/${TOOLS_HOME}/bin:$PATH"`,
        ]
      : []),
    ...(tools.includes("terraform") ? [`export TF_PLUGIN_CACHE_DIR="${toolsDir}/plugin-cache"`, 'mkdir -p "$TF_PLUGIN_CACHE_DIR"'] : []),
  ].join("\n");
}

/** Starts an SSH agent in the job's shell and loads the key KubeOne reaches the nodes with. */
export function sshAgentScript(secretVariable: string): string {
  return ['eval "$(ssh-agent -s)" > /dev/null', `ssh-add - <<< "$${secretVariable}"`].join("\n");
}

/**
 * Creates or updates a Secret without a value ever reaching a command line: each key is read from a file
 * (`--from-file`), and `kubectl apply` makes a re-run converge instead of failing on "already exists".
 */
export function applySecret(namespace: string, name: string, files: ReadonlyArray<readonly [key: string, file: string]>): string {
  const from = files.map(([key, file]) => `--from-file=${key}=${file}`).join(" ");
  return [
    `kubectl create namespace ${namespace} --dry-run=client -o yaml | kubectl apply -f -`,
    `kubectl -n ${namespace} create secret generic ${name} ${from} --dry-run=client -o yaml | kubectl apply -f -`,
  ].join("\n");
}

/** `applySecret` with each key taken from a CI secret's environment variable, through a private temp file. */
export function applySecretFromEnv(namespace: string, name: string, keys: ReadonlyArray<readonly [key: string, secret: Secret]>): string {
  return [
    "(",
    "  umask 077",
    '  values="$(mktemp -d)"',
    '  trap \'rm -rf "$values"\' EXIT',
    ...keys.map(([, secret]) => `  : "\${${secret.name}:?is empty: set this CI secret (README, one-time setup)}"`),
    ...keys.map(([key, secret]) => `  printf '%s' "$${secret.name}" > "$values/${key}"`),
    ...applySecret(namespace, name, keys.map(([key]) => [key, `"$values/${key}"`]))
      .split("\n")
      .map((line) => `  ${line}`),
    ")",
  ].join("\n");
}

/** Fails the job, naming each, when a variable the login reads is unset. */
export function requireKeys(names: readonly string[]): string[] {
  return names.map((key) => `: "\${${key}:?is not set: add it as a CI variable (README, one-time setup)}"`);
}

/** Writes the job's OIDC token (in `tokenVariable`) to a file the cloud's SDKs read; `$oidc_token_file` names it. */
export function oidcTokenFile(tokenVariable: string): string[] {
  return [`: "\${${tokenVariable}:?no OIDC token: the job must request one}"`, 'oidc_token_file="$(mktemp)"', `printf '%s' "$${tokenVariable}" > "$oidc_token_file"`];
}

/** Shell printing a value of the cluster stack's outputs in tf.json, e.g. `kkp_bastion.value.id`. */
export function tfOutput(path: string): string {
  return `node -p 'JSON.parse(require("fs").readFileSync("tf.json", "utf8")).${path}'`;
}

/**
 * The local ports of the way in: the tunnel's end (`tunnel`), where KubeOne finds the bastion's SSH port, and where
 * `kubeone proxy` listens (`proxy`), an HTTPS proxy to the API over KubeOne's SSH connection to the control plane.
 */
export interface TunnelPorts {
  readonly tunnel: number;
  readonly proxy: number;
}

export const TUNNEL_PORTS: TunnelPorts = { tunnel: 2222, proxy: 8888 };
export const TUNNEL_PORT = TUNNEL_PORTS.tunnel;
export const KUBEONE_PROXY = `127.0.0.1:${TUNNEL_PORTS.proxy}`;
const TUNNEL_PID = ".kkp/tunnel.pid";
const PROXY_PID = ".kkp/proxy.pid";

/** Whether something listens on a local port. */
function listening(port: number): string {
  return `(exec 3<> /dev/tcp/127.0.0.1/${port}) 2> /dev/null`;
}

/**
 * A shell function `name` that starts `command` in the background in its own process group (so that closing stops
 * its children too, such as the Session Manager plugin), logging to `log`, its process group ID in `pidFile`.
 */
function backgroundFunction(name: string, command: string, log: string, pidFile: string): string {
  return [`${name}() {`, `  setsid ${command} >> ${log} 2>&1 < /dev/null &`, `  echo $! > ${pidFile}`, "}", name].join("\n");
}

/**
 * Waits until `port` listens, for up to `seconds`; the process in `pidFile` is started again (`restart`, a function
 * of `backgroundFunction`) whenever it has exited, as a tunnel does while the bastion's agent or sshd is still
 * booting. Fails showing the log.
 */
function waitForPort(port: number, seconds: number, what: string, log: string, pidFile: string, restart: string): string[] {
  return [
    `for attempt in $(seq ${seconds / 2}); do`,
    `  ${listening(port)} && break`,
    `  kill -0 "$(cat ${pidFile})" 2> /dev/null || ${restart}`,
    "  sleep 2",
    "done",
    `${listening(port)} || { echo "${what} did not open port ${port} within ${seconds / 60} minutes:" >&2; cat ${log} >&2; exit 1; }`,
  ];
}

const TUNNEL_LOG = ".kkp/tunnel.log";
const PROXY_LOG = ".kkp/proxy.log";

/**
 * Opens the way to the cluster with no port open to the internet: the cloud's tunnel to the bastion's SSH port
 * (authorized by the job's cloud identity), KubeOne's bastion pointed at its local end in tf.json, and
 * `kubeone proxy` over that SSH connection for every tool that talks to the API. Both keep running, in the
 * background, until `CLOSE_CLUSTER_TUNNEL` or the end of the job; both are restarted while the machines boot.
 */
export function openClusterTunnel(tunnel: BastionTunnel, manifest: string, ports: TunnelPorts = TUNNEL_PORTS): string {
  return [
    "mkdir -p .kkp",
    tunnel.prepare,
    backgroundFunction("start_tunnel", tunnel.start(ports.tunnel), TUNNEL_LOG, TUNNEL_PID),
    ...waitForPort(ports.tunnel, 600, "The tunnel to the bastion", TUNNEL_LOG, TUNNEL_PID, "start_tunnel"),
    "# KubeOne reaches the nodes through the tunnel's local end.",
    `node -e 'const fs = require("fs"); const out = JSON.parse(fs.readFileSync("tf.json", "utf8")); Object.assign(out.kubeone_hosts.value.control_plane, { bastion: "127.0.0.1", bastion_port: ${ports.tunnel} }); fs.writeFileSync("tf.json", JSON.stringify(out))'`,
    "# The other tools reach the API through kubeone proxy, over the same SSH connection.",
    backgroundFunction("start_proxy", `kubeone proxy --manifest ${manifest} --tfjson tf.json --listen 127.0.0.1:${ports.proxy}`, PROXY_LOG, PROXY_PID),
    ...waitForPort(ports.proxy, 600, "kubeone proxy", PROXY_LOG, PROXY_PID, "start_proxy"),
  ].join("\n");
}

/** Stops `kubeone proxy` and the tunnel, each with its process group. */
export const CLOSE_CLUSTER_TUNNEL = `for pid in ${PROXY_PID} ${TUNNEL_PID}; do if [ -f "$pid" ]; then kill -- "-$(cat "$pid")" 2> /dev/null || true; rm -f "$pid"; fi; done`;
