/**
 * Promotion between environments, as pure functions shared by the pipeline, the GitHub workflows and the scripts
 * the jobs run: the verdict over a commit's statuses, the deployment an event is about, and the smoke test's checks.
 */
import { fluxKustomizationName } from "../core/names";
import type { KkpConfig } from "../../config/settings/resolve";
import { fluxParts } from "../content/flux-parts";

/** A commit status as the CI system reports it (the latest per context). */
export interface CommitStatus {
  readonly context: string;
  readonly state: string;
}

export interface Verdict {
  readonly healthy: boolean;
  /** One line per part: healthy, failed or not reported. */
  readonly lines: readonly string[];
}

/**
 * Whether every part of `env` reported success on a commit. Flux's commit status context is
 * `kustomization/<name>/<provider id>`, so a part is found by its Kustomization's name.
 */
export function environmentVerdict(config: KkpConfig, env: string, statuses: readonly CommitStatus[]): Verdict {
  const lines = fluxParts(config).map((part) => {
    const name = fluxKustomizationName(env, part);
    const status = statuses.find((s) => s.context.startsWith(`kustomization/${name}/`));
    return { name, state: status?.state ?? "not reported" };
  });
  return {
    healthy: lines.every((l) => l.state === "success"),
    lines: lines.map((l) => `${l.name}: ${l.state}`),
  };
}

/** What a post-deployment event is about: the environment and the commit Flux deployed there. */
export interface DeploymentEvent {
  readonly env: string;
  readonly sha: string;
}

/**
 * Reads the event that started the post-deployment workflow: Flux's repository_dispatch (its payload carries
 * the revision and, from the Alert, the environment) or a commit status Flux posted (its context names the
 * part's Kustomization). Anything else, or a failure, is not a deployment to act on.
 */
export function deploymentEvent(config: KkpConfig, eventName: string, event: any): DeploymentEvent | undefined {
  const envs = config.environments.map((e) => e.name);
  if (eventName === "repository_dispatch") {
    const payload = event?.client_payload ?? {};
    const sha = /sha1:([0-9a-f]{40})$/.exec(String(payload.metadata?.revision ?? ""))?.[1];
    const env = String(payload.metadata?.env ?? "");
    const healthy = payload.severity === "info" && /^Health check passed/.test(String(payload.message ?? ""));
    return healthy && sha && envs.includes(env) ? { env, sha } : undefined;
  }
  if (eventName === "status" && event?.state === "success") {
    const sha = String(event.sha ?? "");
    const env = envs.find((name) => fluxParts(config).some((part) => String(event.context ?? "").startsWith(`kustomization/${fluxKustomizationName(name, part)}/`)));
    return env && /^[0-9a-f]{40}$/.test(sha) ? { env, sha } : undefined;
  }
  return undefined;
}

/** One HTTPS check of the smoke test: the URL, and what its response must show. */
export interface SmokeCheck {
  readonly name: string;
  readonly url: string;
  /** Returns what is wrong with the response, or undefined when it is right. */
  readonly expect: (status: number, body: string) => string | undefined;
  /** Served with the cluster's own CA, which the runner does not know: checked for liveness, not identity. */
  readonly clusterCertificate?: boolean;
}

/**
 * What the smoke test asks of a deployed environment, over the public endpoints (so TLS and DNS are checked
 * too): the Kubernetes API is live, the dashboard answers, Dex serves its discovery document for the issuer KKP
 * is configured with, and Grafana is healthy when monitoring is on.
 */
export function smokeChecks(config: KkpConfig, envName: string, apiEndpoint?: string): SmokeCheck[] {
  const env = config.environments.find((e) => e.name === envName);
  if (!env) return [];
  const issuer = `https://${env.domain}/dex`;
  const ok = (status: number) => (status === 200 ? undefined : `HTTP ${status}`);
  return [
    // The API server answers /livez without credentials; its certificate is the cluster's own CA's.
    ...(apiEndpoint ? [{ name: "Kubernetes API", url: `https://${apiEndpoint}:6443/livez`, expect: ok, clusterCertificate: true }] : []),
    { name: "KKP dashboard", url: `https://${env.domain}/`, expect: ok },
    {
      name: "Dex discovery",
      url: `${issuer}/.well-known/openid-configuration`,
      expect: (status, body) => {
        if (status !== 200) return `HTTP ${status}`;
        try {
          const found = JSON.parse(body).issuer;
          return found === issuer ? undefined : `issuer is ${found}, expected ${issuer}`;
        } catch {
          return "not JSON";
        }
      },
    },
    ...(config.kkp.monitoring ? [{ name: "Grafana", url: `https://grafana.${env.domain}/api/health`, expect: ok }] : []),
  ];
}
