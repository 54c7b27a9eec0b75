/**
 * The way into the cluster without an open port: the deploy jobs' tunnel scripts run against stand-ins of the
 * clouds' CLIs and of `kubeone proxy` (each records its arguments and listens where the real one would), and the
 * rendered pipelines open the tunnel before anything reaches the cluster and close it at the end.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { installationOf, pipelinesOf } from "../config/installation";
import { PROJECT_ROOT } from "../config/load";
import { repositoryFiles } from "../config/repository-files";
import { BITBUCKET_PIPELINES_PATH } from "../constructs/ci/bitbucket/bitbucket-pipelines";
import { GITLAB_CI_PATH } from "../constructs/ci/gitlab/gitlab-ci";
import { workflowPath } from "../constructs/ci/github/workflow";
import type { Pipeline } from "../constructs/core/pipeline-model";
import { awsTunnel } from "../constructs/clouds/aws/tunnel";
import { gcpTunnel } from "../constructs/clouds/gcp/tunnel";
import { BASTION_OUTPUT, REPOSITORY_PATHS } from "../constructs/core/names";
import { KUBEONE_CERTIFICATES_EXPIRING, kubeoneApplyScript, seedKubeconfigSecret } from "../constructs/pipeline/jobs";
import { CLOSE_CLUSTER_TUNNEL, openClusterTunnel } from "../constructs/pipeline/shell";
import type { BastionTunnel } from "../constructs/pipeline/targets";
import { configFrom, gcpExampleText } from "./helpers";
import { testDir } from "./test-dirs";
import { bash } from "./shell";

/**
 * A stand-in command: records its arguments, and for the listed argument patterns listens on a port until killed;
 * with `failFirst`, its first such call exits at once, as a tunnel does while the bastion's agent is still booting.
 */
function standIn(dir: string, name: string, listens: Record<string, number>, failFirst = false): void {
  const cases = Object.entries(listens).map(
    ([pattern, port]) =>
      `  *"${pattern}"*) ${failFirst ? `[ "$(grep -c "^${name} .*${pattern}" "$(dirname "$0")/calls")" -gt 1 ] || { echo "TargetNotConnected" >&2; exit 255; };` : ""} exec node -e 'require("net").createServer((s) => s.end()).listen(${port}, "127.0.0.1")' ;;`,
  );
  writeFileSync(path.join(dir, name), ["#!/usr/bin/env bash", `echo "${name} $*" >> "$(dirname "$0")/calls"`, 'case "$*" in', ...cases, "  *) ;;", "esac", ""].join("\n"));
  chmodSync(path.join(dir, name), 0o755);
}

/** Two ports nothing listens on now, so that parallel test runs do not meet on fixed ones. */
function freePorts(): { tunnel: number; proxy: number } {
  const script = 'const net = require("net"); const a = net.createServer().listen(0, "127.0.0.1", () => { const b = net.createServer().listen(0, "127.0.0.1", () => { console.log(a.address().port, b.address().port); a.close(); b.close(); }); });';
  const [tunnel, proxy] = spawnSync("node", ["-e", script], { encoding: "utf8" }).stdout.trim().split(" ").map(Number);
  return { tunnel, proxy };
}

function runTunnel(tunnel: BastionTunnel, bastion: Record<string, string>, clis: string[], failFirst = false) {
  const work = testDir("kkp-tunnel-");
  const bin = path.join(work, "bin");
  mkdirSync(bin);
  const ports = freePorts();
  standIn(bin, "aws", { "ssm start-session": ports.tunnel }, failFirst);
  standIn(bin, "gcloud", { "start-iap-tunnel": ports.tunnel });
  standIn(bin, "kubeone", { proxy: ports.proxy });
  for (const cli of clis) standIn(bin, cli, {});
  const hosts = { control_plane: { cluster_name: "kkp-prod", bastion: "3.3.3.3", bastion_port: 22, bastion_user: "ubuntu" } };
  writeFileSync(path.join(work, "tf.json"), JSON.stringify({ kubeone_hosts: { value: hosts }, [BASTION_OUTPUT]: { value: bastion } }));
  const env = { ...process.env, HOME: work, PATH: `${bin}:${process.env.PATH}`, GOOGLE_APPLICATION_CREDENTIALS: path.join(work, "federation.json") };
  const open = bash(["-euo", "pipefail", "-c", openClusterTunnel(tunnel, REPOSITORY_PATHS.kubeoneManifest, ports)], { cwd: work, env, encoding: "utf8", timeout: 60_000 });
  const tfjson = JSON.parse(readFileSync(path.join(work, "tf.json"), "utf8"));
  const listening = (port: number) => bash(["-c", `(exec 3<> /dev/tcp/127.0.0.1/${port}) 2> /dev/null`]).status === 0;
  const openPorts = [listening(ports.tunnel), listening(ports.proxy)];
  const close = bash(["-euo", "pipefail", "-c", CLOSE_CLUSTER_TUNNEL], { cwd: work, env, encoding: "utf8" });
  spawnSync("sleep", ["0.5"]);
  return { ports, open, close, tfjson, openPorts, closedPorts: [listening(ports.tunnel), listening(ports.proxy)], calls: readFileSync(path.join(bin, "calls"), "utf8").trim().split("\n") };
}

describe("the tunnel scripts against stand-ins of the clouds' CLIs and kubeone proxy", () => {
  test("AWS: Session Manager port forwarding to the bastion, KubeOne pointed at its local end, kubeone proxy for the API, both closed at the end", () => {
    const run = runTunnel(awsTunnel("eu-central-1"), { id: "i-0123456789abcdef0" }, ["session-manager-plugin"]);
    expect(run.open.stderr).toBe("");
    expect(run.open.status).toBe(0);
    expect(run.calls).toEqual([
      `aws ssm start-session --region eu-central-1 --target i-0123456789abcdef0 --document-name AWS-StartPortForwardingSession --parameters {"portNumber":["22"],"localPortNumber":["${run.ports.tunnel}"]}`,
      `kubeone proxy --manifest kubeone/kubeone.yaml --tfjson tf.json --listen 127.0.0.1:${run.ports.proxy}`,
    ]);
    expect(run.tfjson.kubeone_hosts.value.control_plane).toEqual({ cluster_name: "kkp-prod", bastion: "127.0.0.1", bastion_port: run.ports.tunnel, bastion_user: "ubuntu" });
    expect(run.openPorts).toEqual([true, true]);
    expect(run.close.status).toBe(0);
    expect(run.closedPorts).toEqual([false, false]);
  });

  test("a tunnel that fails while the bastion boots is started again until it listens", () => {
    const run = runTunnel(awsTunnel("eu-central-1"), { id: "i-0123456789abcdef0" }, ["session-manager-plugin"], true);
    expect(run.open.status).toBe(0);
    expect(run.calls.filter((call) => call.startsWith("aws ssm start-session"))).toHaveLength(2);
    expect(run.openPorts).toEqual([true, true]);
    expect(run.closedPorts).toEqual([false, false]);
  });

  test("Google Cloud: gcloud logs in with the job's credentials file, then IAP forwarding to the bastion in its zone", () => {
    const run = runTunnel(gcpTunnel("acme-kkp-prod"), { id: "kkp-prod-bastion", zone: "europe-west3-a" }, []);
    expect(run.open.status).toBe(0);
    expect(run.calls[0]).toMatch(/^gcloud auth login --cred-file=\S+\/federation\.json --quiet$/);
    expect(run.calls.slice(1)).toEqual([
      `gcloud compute start-iap-tunnel kkp-prod-bastion 22 --local-host-port=localhost:${run.ports.tunnel} --zone=europe-west3-a --project=acme-kkp-prod`,
      `kubeone proxy --manifest kubeone/kubeone.yaml --tfjson tf.json --listen 127.0.0.1:${run.ports.proxy}`,
    ]);
    expect(run.tfjson.kubeone_hosts.value.control_plane).toMatchObject({ bastion: "127.0.0.1", bastion_port: run.ports.tunnel });
    expect(run.closedPorts).toEqual([false, false]);
  });
});

/** The shell of each job that reaches the cluster, per CI system, in order. */
function clusterJobScripts(files: ReadonlyMap<string, string>, ci: string, pipeline: Pipeline): Record<string, string> {
  if (ci === "github") {
    const workflow = parse(files.get(workflowPath(pipeline))!);
    return Object.fromEntries(Object.entries<any>(workflow.jobs).map(([id, job]) => [id, job.steps.map((s: any) => s.run ?? "").join("\n")]));
  }
  if (ci === "gitlab") {
    const jobs = Object.entries<any>(parse(files.get(GITLAB_CI_PATH)!)).filter(([, job]) => Array.isArray(job?.script));
    return Object.fromEntries(jobs.map(([id, job]) => [id, job.script.join("\n")]));
  }
  const main = parse(files.get(BITBUCKET_PIPELINES_PATH)!).pipelines.branches.main;
  const steps = main.flatMap((item: any) => [...(item.parallel ?? []), ...(item.stage?.steps ?? []), ...(item.step ? [item] : [])].map((s: any) => s.step));
  return Object.fromEntries(steps.map((step: any) => [step.name, step.script.join("\n")]));
}

describe.each([
  ["config/kkp.example.yaml", undefined],
  ["examples/gcp-github.yaml", gcpExampleText],
  ["examples/aws-gitlab.yaml", readFileSync(path.join(PROJECT_ROOT, "examples", "aws-gitlab.yaml"), "utf8")],
  ["examples/gcp-bitbucket.yaml", readFileSync(path.join(PROJECT_ROOT, "examples", "gcp-bitbucket.yaml"), "utf8")],
  ["examples/multi-env.yaml", readFileSync(path.join(PROJECT_ROOT, "examples", "multi-env.yaml"), "utf8")],
])("%s: deploy jobs reach the cluster only through the tunnel", (_, text) => {
  const config = configFrom(undefined, text);
  const installation = installationOf({ config, configFile: "kkp.yaml" });
  const files = repositoryFiles(installation);
  const pipelines = pipelinesOf(installation);

  test.each(pipelines.map((pipeline) => [pipeline.environment, pipeline] as const))("%s: every job that reaches the cluster opens the tunnel after reading the outputs, before KubeOne or kubectl, and closes it last", (_env, pipeline) => {
    const scripts = clusterJobScripts(files, config.ci.provider, pipeline);
    const reaching = pipeline.jobs.filter((job) => job.sshAgent).map((job) => job.id);
    expect(reaching).toEqual(["kubeone-apply", "kkp-deploy", "flux-bootstrap", "dns-update"]);
    for (const id of reaching) {
      const script = scripts[id];
      const at = (text: string) => script.indexOf(text);
      expect({ id, opens: at("kubeone proxy --manifest") > at("output -json > tf.json") }).toEqual({ id, opens: true });
      for (const use of ["kubeone apply", "kubeone kubeconfig", "upgrade-guard.ts"]) if (at(use) >= 0) expect({ id, use, after: at(use) > at("kubeone proxy --manifest") }).toEqual({ id, use, after: true });
      expect(script.trimEnd().endsWith(CLOSE_CLUSTER_TUNNEL)).toBe(true);
      if (at("kubeone kubeconfig") >= 0) expect(script).toContain("--proxy-url=http://127.0.0.1:8888");
    }
  });

  test("no job opens a tunnel without a cloud identity to authorize it: its own environment's apply identity", () => {
    for (const pipeline of pipelines) {
      for (const job of pipeline.jobs.filter((j) => j.steps.some((s) => s.run.includes("kubeone proxy")))) {
        expect({ id: job.id, cloudLogin: job.cloudLogin, environment: job.environment }).toEqual({ id: job.id, cloudLogin: true, environment: pipeline.environment });
      }
    }
  });
});

test("without a bastion (self-hosted runners inside the network) no tunnel is opened", () => {
  const config = configFrom((c) => Object.assign(c, { bastion: { enabled: false }, pipeline: { runner: "kkp-vpc" } }));
  const pipeline = pipelinesOf(installationOf({ config, configFile: "kkp.yaml" }))[0];
  for (const job of pipeline.jobs) expect(job.steps.some((s) => s.run.includes("kubeone proxy") || s.run.includes("start-session"))).toBe(false);
});

test("the job's kubeconfig reaches the API through kubeone proxy", () => {
  const config = configFrom();
  const pipeline = pipelinesOf(installationOf({ config, configFile: "kkp.yaml" }))[0];
  const kkpDeploy = pipeline.jobs.find((job) => job.id === "kkp-deploy")!;
  const fetch = kkpDeploy.steps.find((s) => s.name === "Fetch the kubeconfig")!.run;
  const work = testDir("kkp-kubeconfig-");
  const bin = path.join(work, "bin");
  mkdirSync(bin);
  const kubeconfig = ["apiVersion: v1", "kind: Config", "clusters:", "- name: kkp-prod", "  cluster:", "    server: https://api.example:6443", "contexts:", "- name: admin", "  context: {cluster: kkp-prod, user: admin}", "current-context: admin", "users:", "- name: admin", "  user: {token: x}", ""].join("\n");
  writeFileSync(path.join(bin, "kubeone"), `#!/usr/bin/env bash\ncat <<'EOF'\n${kubeconfig}EOF\n`);
  chmodSync(path.join(bin, "kubeone"), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: ".kkp/kubeconfig" };
  const run = bash(["-euo", "pipefail", "-c", fetch], { cwd: work, env, encoding: "utf8" });
  expect(run.stderr.replace(/Cluster "kkp-prod" set\.\n?/, "")).toBe("");
  expect(run.status).toBe(0);
  expect(readFileSync(path.join(work, ".kkp/kubeconfig"), "utf8")).toContain("proxy-url: http://127.0.0.1:8888");
});

describe("the Seed's kubeconfig", () => {
  /**
   * Runs the kkp-deploy step's seed part with the real kubectl for everything local (config, dry-run creates) and
   * stand-ins for what needs the cluster: `kubectl apply` records what it was given, and kubermatic-installer's
   * convert-kubeconfig does what KKP 2.31's does to the file (adds a token user, points the context at it).
   */
  function seedSecret(tunnelled: boolean, convert = "default") {
    const work = testDir("kkp-seed-");
    const bin = path.join(work, "bin");
    mkdirSync(bin);
    const real = bash(["-c", "command -v kubectl"], { encoding: "utf8" }).stdout.trim();
    // Client-side creates need no cluster (the sample CA is not a real certificate, which kubectl would parse).
    writeFileSync(
      path.join(bin, "kubectl"),
      `#!/usr/bin/env bash\nif [[ "$*" == "apply -f -" ]]; then cat >> "${work}/applied"; echo --- >> "${work}/applied"\nelif [[ "$*" == *"create "*"--dry-run=client"* ]]; then KUBECONFIG=/dev/null exec "${real}" "$@"\nelse exec "${real}" "$@"; fi\n`,
    );
    const converts = {
      default: 'kubectl --kubeconfig "$3" config set-credentials kkp-prod-kubermatic-service-account --token=sa-token > /dev/null && kubectl --kubeconfig "$3" config set-context admin --user=kkp-prod-kubermatic-service-account > /dev/null',
      broken: "true",
    } as Record<string, string>;
    writeFileSync(path.join(bin, "kubermatic-installer"), `#!/usr/bin/env bash\n[[ "$1 $2" == "convert-kubeconfig --in-place" ]] || exit 2\n${converts[convert]}\n`);
    for (const tool of ["kubectl", "kubermatic-installer"]) chmodSync(path.join(bin, tool), 0o755);
    const ca = Buffer.from("CA").toString("base64");
    const cert = Buffer.from("ADMIN-CERT").toString("base64");
    mkdirSync(path.join(work, ".kkp"));
    writeFileSync(
      path.join(work, ".kkp", "kubeconfig"),
      [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "- name: kkp-prod",
        "  cluster:",
        "    server: https://api.example:6443",
        `    certificate-authority-data: ${ca}`,
        ...(tunnelled ? ["    proxy-url: http://127.0.0.1:8888"] : []),
        "contexts:",
        "- name: admin",
        "  context: {cluster: kkp-prod, user: kubernetes-admin}",
        "current-context: admin",
        "users:",
        "- name: kubernetes-admin",
        `  user: {client-certificate-data: ${cert}, client-key-data: ${cert}}`,
        "",
      ].join("\n"),
    );
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: ".kkp/kubeconfig" };
    const run = bash(["-euo", "pipefail", "-c", seedKubeconfigSecret(tunnelled)], { cwd: work, env, encoding: "utf8" });
    const applied = existsSync(path.join(work, "applied")) ? readFileSync(path.join(work, "applied"), "utf8").split("---\n").filter(Boolean).map((doc) => parse(doc)) : [];
    const secret = applied.find((doc: any) => doc.kind === "Secret");
    return { run, secret, stored: secret ? parse(Buffer.from(secret.data.kubeconfig, "base64").toString()) : undefined };
  }

  test.each([true, false])("holds a ServiceAccount token, never the admin certificate, and no proxy (tunnel: %s)", (tunnelled) => {
    const { run, secret, stored } = seedSecret(tunnelled);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(secret.metadata).toMatchObject({ name: "kubeconfig-kubermatic", namespace: "kubermatic" });
    expect(stored.users).toEqual([{ name: "kkp-prod-kubermatic-service-account", user: { token: "sa-token" } }]);
    expect(stored.clusters).toEqual([{ name: "kkp-prod", cluster: { server: "https://api.example:6443", "certificate-authority-data": Buffer.from("CA").toString("base64") } }]);
    expect(JSON.stringify(stored)).not.toContain(Buffer.from("ADMIN-CERT").toString("base64"));
  });

  test("refuses to store a kubeconfig that still authenticates with a client certificate", () => {
    const { run, secret } = seedSecret(true, "broken");
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("convert-kubeconfig left a client certificate in the seed's kubeconfig");
    expect(secret).toBeUndefined();
  });
});

describe("kubeone apply renews the control plane's certificates before they lapse", () => {
  /** The step's script against a stand-in kubeone that logs KubeOne 1.14's 90-day warning when `expiring`. */
  function applyWith(expiring: boolean) {
    const work = testDir("kkp-kubeone-apply-");
    const bin = path.join(work, "bin");
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, "kubeone"),
      [
        "#!/usr/bin/env bash",
        `echo "kubeone $*" >> "${work}/calls"`,
        'for arg in "$@"; do [ "${previous:-}" = --credentials ] && cp "$arg" "$(dirname "$0")/../credentials-seen"; [ "${previous:-}" = --manifest ] && cp "$arg" "$(dirname "$0")/../manifest-seen"; previous="$arg"; done',
        `if ${expiring} && [[ "$*" != *--force-upgrade* ]]; then echo 'time="..." level=warning msg="Your ${KUBEONE_CERTIFICATES_EXPIRING}"' >&2; fi`,
        "",
      ].join("\n"),
    );
    chmodSync(path.join(bin, "kubeone"), 0o755);
    const run = bash(["-euo", "pipefail", "-c", kubeoneApplyScript()], {
      cwd: work,
      env: {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        KUBEONE_CREDENTIALS: "AWS_ACCESS_KEY_ID: x",
        KKP_ETCD_BACKUP_PASSWORD: "restic-canary",
        KKP_ETCD_BACKUP_REPOSITORY: "s3:s3.eu-central-1.amazonaws.com/kkp-prod-etcd-0123456789",
        KKP_ETCD_BACKUP_REGION: "eu-central-1",
      },
      encoding: "utf8",
    });
    return {
      run,
      calls: readFileSync(path.join(work, "calls"), "utf8").trim().split("\n"),
      credentials: readFileSync(path.join(work, "credentials-seen"), "utf8"),
      manifest: existsSync(path.join(work, "manifest-seen")) ? readFileSync(path.join(work, "manifest-seen"), "utf8") : "",
    };
  }

  test("an apply that warns of certificates expiring within 90 days is followed by kubeone apply --force-upgrade, KubeOne's way to renew them", () => {
    const { run, calls } = applyWith(true);
    expect(run.status).toBe(0);
    expect(calls).toHaveLength(2);
    expect(calls[1]).toMatch(/^kubeone apply --manifest kubeone\/kubeone\.yaml --tfjson tf\.json --credentials \S+ --auto-approve --force-upgrade$/);
    expect(run.stderr).toContain("renewing them with kubeone apply --force-upgrade");
  });

  test("otherwise one apply, with the credentials in a private file", () => {
    const { run, calls, credentials } = applyWith(false);
    expect(run.status).toBe(0);
    expect(calls).toEqual([expect.not.stringContaining("--force-upgrade")]);
    expect(credentials).toBe("AWS_ACCESS_KEY_ID: x\n");
  });
});
