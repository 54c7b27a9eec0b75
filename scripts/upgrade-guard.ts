/**
 * The pipeline's upgrade guard: reads what runs and refuses a step that skips a minor, before anything changes.
 *
 *   upgrade-guard.ts kubernetes <wanted> <tf.json>   before `kubeone apply`: the API server's version, read
 *                                                    anonymously from /version at the cluster stack's API endpoint
 *                                                    (no answer: nothing runs yet, a first installation)
 *   upgrade-guard.ts kkp <wanted>                    before the installer: the version the KKP operator reports in
 *                                                    the KubermaticConfiguration's status.kubermaticVersion, which
 *                                                    is what the installer's own check reads (none: first install)
 *   upgrade-guard.ts ingress-cutover <domain>        KKP 2.31 on an installation that still runs nginx-ingress:
 *                                                    prints the installer flags of this run's cutover step
 *
 * kubectl is called from PATH; exit 1 with the reason and the next step when a guard refuses.
 */
import { execFile } from "node:child_process";
import { lookup } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { upgradeVerdict, type UpgradeVerdict } from "../config/settings/compatibility";
import { GATEWAY_ADDRESS_JSONPATH, KKP_GATEWAY, LEGACY_NGINX } from "../constructs/content/kubermatic";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: upgrade-guard.ts kubernetes <wanted> <tf.json> | kkp <wanted> | ingress-cutover <domain>");

const run = promisify(execFile);

class GuardError extends Error {}

/** kubectl's output, or undefined with the error text when it fails. */
async function kubectl(args: readonly string[], binary = "kubectl", env: NodeJS.ProcessEnv = process.env): Promise<{ out?: string; err?: string }> {
  try {
    const { stdout } = await run(binary, [...args], { timeout: 60_000, env });
    return { out: stdout.trim() };
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    return { err: (failure.stderr || failure.message).trim() };
  }
}

/**
 * Errors that mean nothing answers at the address (yet), as opposed to an API server that answers and refuses;
 * through kubeone proxy also the proxy's refusal to connect (no control-plane node to tunnel through yet).
 */
const UNREACHABLE = /connection refused|i\/o timeout|timed? ?out|no such host|no route to host|connection reset|EOF|deadline exceeded|Unable to connect|proxyconnect|Bad Gateway|Service Unavailable/i;

/**
 * The running API server's Kubernetes version, read from /version at `endpoint`; with `proxy` (the job's
 * kubeone proxy, `KKP_API_PROXY`) through it, since the API need not be reachable from the runner.
 */
export async function runningKubernetes(endpoint: string, proxy = process.env.KKP_API_PROXY): Promise<string | undefined> {
  const server = `https://${endpoint}:6443`;
  const env = proxy ? { ...process.env, HTTPS_PROXY: proxy, NO_PROXY: "" } : process.env;
  // /version is public (system:public-info-viewer); the cluster's CA is not at hand before the kubeconfig is.
  const { out, err } = await kubectl(["get", "--raw", "/version", "--server", server, "--insecure-skip-tls-verify", "--kubeconfig", "/dev/null", "--request-timeout", "20s"], "kubectl", env);
  if (out !== undefined) {
    const version = (JSON.parse(out) as { gitVersion?: string }).gitVersion;
    if (!version) throw new GuardError(`${server}/version answered without gitVersion: ${out}`);
    return version.replace(/^v/, "");
  }
  if (err && UNREACHABLE.test(err)) return undefined;
  throw new GuardError(`cannot read the Kubernetes version from ${server}/version: ${err}`);
}

export async function runningKkp(): Promise<string | undefined> {
  const { out, err } = await kubectl(["-n", "kubermatic", "get", "kubermaticconfigurations", "-o", "jsonpath={.items[0].status.kubermaticVersion}"]);
  if (out !== undefined) return out === "" ? undefined : out;
  // Before the first installation the CRD does not exist.
  if (err && /doesn't have a resource type|the server could not find the requested resource|NotFound/i.test(err)) return undefined;
  throw new GuardError(`cannot read the running KKP version: ${err}`);
}

/** The addresses a name resolves to; a name that does not resolve has none. */
export type Resolver = (name: string) => Promise<string[]>;
const resolve: Resolver = async (name) => (await lookup(name, { all: true }).catch(() => [])).map((a) => a.address);

/**
 * KKP 2.31's staged move from nginx-ingress to the Gateway. While nginx still runs and `<domain>` does not resolve
 * to the Gateway yet, keep the old Ingresses (`--skip-ingress-cleanup`): nginx serves until dns-update points the
 * records at the Gateway. Once the domain resolves to the Gateway, remove the old Ingresses and nginx itself
 * (`--clean-nginx-lb`). Without nginx: no flag.
 */
export async function cutoverFlags(domain: string, resolver: Resolver = resolve, kubectlBinary = "kubectl"): Promise<{ flags: string; reason: string }> {
  const nginx = await kubectl(["get", "namespace", LEGACY_NGINX, "-o", "name"], kubectlBinary);
  if (nginx.out === undefined) return { flags: "", reason: `${LEGACY_NGINX} is not installed: nothing to move` };
  const gateway = await kubectl(["-n", KKP_GATEWAY.namespace, "get", "gateway", KKP_GATEWAY.name, "-o", `jsonpath=${GATEWAY_ADDRESS_JSONPATH}`], kubectlBinary);
  if (!gateway.out) return { flags: "--skip-ingress-cleanup", reason: `${LEGACY_NGINX} runs and the Gateway has no address yet: keep nginx serving` };
  const [gatewayAddresses, domainAddresses] = await Promise.all([
    /^[\d.:a-f]+$/i.test(gateway.out) ? [gateway.out] : resolver(gateway.out),
    resolver(domain),
  ]);
  const flipped = domainAddresses.length > 0 && domainAddresses.every((address) => gatewayAddresses.includes(address));
  return flipped
    ? { flags: "--clean-nginx-lb", reason: `${domain} resolves to the Gateway (${gateway.out}): remove the old Ingresses and ${LEGACY_NGINX}` }
    : { flags: "--skip-ingress-cleanup", reason: `${domain} does not resolve to the Gateway (${gateway.out}) yet: keep nginx serving until DNS points at the Gateway` };
}

function report(verdict: UpgradeVerdict): void {
  if (!verdict.ok) throw new GuardError(verdict.reason);
  console.error(`upgrade guard: ${verdict.reason}`);
}

async function main([command, ...args]: string[]): Promise<void> {
  switch (command) {
    case "kubernetes": {
      const [wanted, tfjson] = args;
      const outputs = JSON.parse(readFileSync(tfjson, "utf8")) as { kubeone_api?: { value?: { endpoint?: string } } };
      const endpoint = outputs.kubeone_api?.value?.endpoint;
      if (!endpoint) throw new GuardError(`${tfjson} has no kubeone_api.value.endpoint: read the cluster stack's outputs first`);
      return report(upgradeVerdict("kubernetes", await runningKubernetes(endpoint), wanted));
    }
    case "kkp":
      return report(upgradeVerdict("kkp", await runningKkp(), args[0]));
    case "ingress-cutover": {
      const { flags, reason } = await cutoverFlags(args[0]);
      console.error(`ingress cutover: ${reason}`);
      console.log(flags);
      return;
    }
    default:
      throw new GuardError(`unknown command '${command ?? ""}': use kubernetes <wanted> <tf.json>, kkp <wanted> or ingress-cutover <domain>`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof GuardError ? `upgrade guard: ${error.message}` : error);
    process.exit(1);
  });
}
