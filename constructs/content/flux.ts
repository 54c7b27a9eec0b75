/**
 * The Flux tree of one environment (DESIGN.md §5): what Flux delivers once `flux bootstrap` has put its own
 * manifests into `flux/clusters/<env>/flux-system/`.
 *
 *   flux/clusters/<env>/kkp/                  found by bootstrap's Kustomization (it has a kustomization.yaml), from main
 *     entry.yaml                              Kustomization kkp-<env> (and, after the first environment, the
 *                                             GitRepository kkp-<env> following deploy/<env>): applies parts/
 *     parts/                                  from the entry's source, so only promotion changes it
 *       flux.yaml, notifications.yaml         a Flux Kustomization per part, Helm repositories; Providers, Alerts
 *       platform/                             ClusterIssuer, Seed `kubermatic`, Project and owner, Preset
 *       monitoring/                           kube-prometheus-stack (Alertmanager with kkp.alerting)  [kkp.monitoring]
 *       logging/                              Loki and Grafana Alloy                                   [kkp.logging]
 *
 * Each directory is applied by exactly one Kustomization: a kustomization.yaml never lists its subdirectories.
 * The Preset's credentials are `${NAME}` placeholders that Flux substitutes from the Secret the pipeline
 * creates from CI secrets; git never holds them.
 */
import type { EnvironmentConfig, KkpConfig } from "../../config/resolve";
import { REPOSITORY_PATHS } from "./paths";
import { fluxBranch, fluxKustomizationName, fluxParts, type FluxPart } from "../pipeline/promotion";
import { PRESET_SECRETS, placeholder } from "../pipeline/secrets";
import { CLUSTER_ISSUER, DEX_CLIENTS, grafanaHost } from "./kubermatic";
import type { Manifest } from "./yaml";

/** The Secret (namespace flux-system) Flux substitutes the Preset's credentials from; the pipeline writes it. */
export const PRESET_CREDENTIALS_SECRET = "kkp-preset-credentials";
/** The Secret (namespace monitoring) holding Grafana's Dex client secret as GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET. */
export const GRAFANA_OAUTH_SECRET = "grafana-oauth";
/** The GitRepository `flux bootstrap` creates for this repository (following main), and its deploy key Secret. */
const BOOTSTRAP_SOURCE = "flux-system";
const FLUX_NAMESPACE = "flux-system";
/** The Secret (namespace flux-system) with the token Flux reports commit statuses and dispatches with; the pipeline writes it. */
export const NOTIFICATION_TOKEN_SECRET = "flux-notifications";

/** Helm charts the optional components install, pinned for reproducible deliveries. */
export const CHARTS = {
  kubePrometheusStack: { repository: "prometheus-community", url: "https://prometheus-community.github.io/helm-charts", chart: "kube-prometheus-stack", version: "75.15.0" },
  loki: { repository: "grafana", url: "https://grafana.github.io/helm-charts", chart: "loki", version: "6.30.1" },
  alloy: { repository: "grafana", url: "https://grafana.github.io/helm-charts", chart: "alloy", version: "1.5.1" },
} as const;
type Chart = (typeof CHARTS)[keyof typeof CHARTS];

/** One generated file: its repository path and the objects in it (a kustomization.yaml is one object). */
export interface GeneratedFile {
  readonly path: string;
  readonly objects: readonly Manifest[];
}

interface Part {
  readonly name: FluxPart;
  readonly dependsOn: readonly string[];
  /** How long Flux waits for the part's objects to become ready. */
  readonly timeout: string;
  readonly files: ReadonlyArray<{ readonly name: string; readonly objects: readonly Manifest[] }>;
  readonly substituteFrom?: string;
}

export function fluxRoot(env: EnvironmentConfig): string {
  return `${REPOSITORY_PATHS.fluxCluster(env.name)}/kkp`;
}

export function fluxTree(config: KkpConfig, env: EnvironmentConfig): GeneratedFile[] {
  const root = fluxRoot(env);
  const parts: Part[] = [
    {
      name: "platform",
      dependsOn: [],
      timeout: "5m",
      substituteFrom: PRESET_CREDENTIALS_SECRET,
      files: [
        { name: "cluster-issuer.yaml", objects: [clusterIssuer(config)] },
        { name: "seed.yaml", objects: [seed(config)] },
        { name: "project.yaml", objects: project(config) },
        { name: "preset.yaml", objects: [preset(config)] },
      ],
    },
    ...(config.kkp.monitoring
      ? [{ name: "monitoring" as const, dependsOn: ["platform"], timeout: "15m", files: [{ name: "kube-prometheus-stack.yaml", objects: [namespace("monitoring"), kubePrometheusStack(config, env)] }] }]
      : []),
    ...(config.kkp.logging
      ? [{ name: "logging" as const, dependsOn: ["platform"], timeout: "15m", files: [{ name: "loki.yaml", objects: [namespace("logging"), loki(), alloy()] }] }]
      : []),
  ];
  const charts = [...new Map(usedCharts(config).map((chart) => [chart.repository, chart])).values()];
  const source = env.index === 0 ? BOOTSTRAP_SOURCE : `kkp-${env.name}`;
  const promoted = `${root}/parts`;
  if (fluxParts(config).join() !== parts.map((p) => p.name).join()) throw new Error("the Flux parts and the promotion gate disagree");
  return [
    // The entry, applied by bootstrap's Kustomization from main: where this environment's parts come from.
    { path: `${root}/kustomization.yaml`, objects: [kustomize(["entry.yaml"])] },
    { path: `${root}/entry.yaml`, objects: [...(env.index === 0 ? [] : [promotedSource(config, env, source)]), entryKustomization(env, promoted, source)] },
    // Everything else comes from the entry's source: main for the first environment, deploy/<env> for the others.
    { path: `${promoted}/kustomization.yaml`, objects: [kustomize(["flux.yaml", "notifications.yaml"])] },
    { path: `${promoted}/flux.yaml`, objects: [...charts.map(helmRepository), ...parts.map((part) => fluxKustomization(env, part, promoted, source))] },
    { path: `${promoted}/notifications.yaml`, objects: notifications(config, env) },
    ...parts.flatMap((part) => [
      { path: `${promoted}/${part.name}/kustomization.yaml`, objects: [kustomize(part.files.map((f) => f.name))] },
      ...part.files.map((file) => ({ path: `${promoted}/${part.name}/${file.name}`, objects: file.objects })),
    ]),
  ];
}

/**
 * `kkp-<env>`: applies the environment's parts list and notifications from its source. Switching a part off
 * therefore reaches a later environment only when the commit is promoted there.
 */
function entryKustomization(env: EnvironmentConfig, path: string, source: string): Manifest {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: `kkp-${env.name}`, namespace: FLUX_NAMESPACE },
    spec: { interval: "10m", retryInterval: "2m", timeout: "2m", path: `./${path}`, prune: true, sourceRef: { kind: "GitRepository", name: source } },
  };
}

function usedCharts(config: KkpConfig): Chart[] {
  return [...(config.kkp.monitoring ? [CHARTS.kubePrometheusStack] : []), ...(config.kkp.logging ? [CHARTS.loki, CHARTS.alloy] : [])];
}

function kustomize(resources: readonly string[]): Manifest {
  return { apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources };
}

function namespace(name: string): Manifest {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name } };
}

function fluxKustomization(env: EnvironmentConfig, part: Part, root: string, source: string): Manifest {
  return {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: fluxKustomizationName(env.name, part.name), namespace: FLUX_NAMESPACE },
    spec: {
      interval: "10m",
      retryInterval: "2m",
      timeout: part.timeout,
      path: `./${root}/${part.name}`,
      prune: true,
      wait: true,
      sourceRef: { kind: "GitRepository", name: source },
      ...(part.dependsOn.length > 0 ? { dependsOn: part.dependsOn.map((name) => ({ name: fluxKustomizationName(env.name, name as FluxPart) })) } : {}),
      ...(part.substituteFrom ? { postBuild: { substituteFrom: [{ kind: "Secret", name: part.substituteFrom }] } } : {}),
    },
  };
}

/** The repository as Flux reaches it (with bootstrap's deploy key) and as its notification providers address it. */
function repository(config: KkpConfig): { ssh: string; https: string } {
  switch (config.ci.provider) {
    case "github": {
      const { owner, repository } = config.ci.github;
      return { ssh: `ssh://git@github.com/${owner}/${repository}`, https: `https://github.com/${owner}/${repository}` };
    }
    case "gitlab": {
      const { url, project } = config.ci.gitlab;
      return { ssh: `ssh://git@${new URL(url).hostname}/${project}`, https: `${url}/${project}` };
    }
    case "bitbucket": {
      const { workspace, repository } = config.ci.bitbucket;
      return { ssh: `ssh://git@bitbucket.org/${workspace}/${repository}`, https: `https://bitbucket.org/${workspace}/${repository}` };
    }
  }
}

/** Flux's commit-status provider for the git host; GitHub also gets a dispatch provider that starts post-deployment. */
const NOTIFICATION_PROVIDERS: Record<KkpConfig["ci"]["provider"], ReadonlyArray<{ name: string; type: string }>> = {
  github: [
    { name: "commit-status", type: "github" },
    { name: "dispatch", type: "githubdispatch" },
  ],
  gitlab: [{ name: "commit-status", type: "gitlab" }],
  bitbucket: [{ name: "commit-status", type: "bitbucket" }],
};

/** A later environment's parts follow its deploy branch, which only its deploy-tag pipeline moves. */
function promotedSource(config: KkpConfig, env: EnvironmentConfig, name: string): Manifest {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: {
      interval: "1m",
      url: repository(config).ssh,
      ref: { branch: fluxBranch(env) },
      // The deploy key flux bootstrap created for this repository.
      secretRef: { name: BOOTSTRAP_SOURCE },
    },
  };
}

/**
 * Flux reports back (DESIGN.md §4): a commit status per part on the commit it deployed (the context names the
 * part's Kustomization, which names the environment), and on GitHub a repository_dispatch that starts the
 * post-deployment workflow. Both Alerts add the environment to the event metadata.
 */
function notifications(config: KkpConfig, env: EnvironmentConfig): Manifest[] {
  const address = repository(config).https;
  const eventSources = fluxParts(config).map((part) => ({ kind: "Kustomization", name: fluxKustomizationName(env.name, part) }));
  const provider = (name: string, type: string): Manifest => ({
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Provider",
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: { type, address, secretRef: { name: NOTIFICATION_TOKEN_SECRET } },
  });
  const alert = (name: string, providerName: string): Manifest => ({
    apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
    kind: "Alert",
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: { providerRef: { name: providerName }, eventSeverity: "info", eventSources, eventMetadata: { env: env.name } },
  });
  const providers = NOTIFICATION_PROVIDERS[config.ci.provider];
  return [...providers.map((p) => provider(p.name, p.type)), ...providers.map((p) => alert(`kkp-${env.name}-${p.name}`, p.name))];
}

function helmRepository(chart: Chart): Manifest {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "HelmRepository",
    metadata: { name: chart.repository, namespace: FLUX_NAMESPACE },
    spec: { interval: "12h", url: chart.url },
  };
}

function helmRelease(chart: Chart, name: string, namespace: string, values: Record<string, unknown>): Manifest {
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name, namespace },
    spec: {
      interval: "30m",
      chart: { spec: { chart: chart.chart, version: chart.version, sourceRef: { kind: "HelmRepository", name: chart.repository, namespace: FLUX_NAMESPACE } } },
      install: { remediation: { retries: 3 } },
      upgrade: { remediation: { retries: 3, strategy: "rollback" } },
      values,
    },
  };
}

function clusterIssuer(config: KkpConfig): Manifest {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name: CLUSTER_ISSUER },
    spec: {
      acme: {
        email: config.kkp.adminEmail,
        server: "https://acme-v02.api.letsencrypt.org/directory",
        privateKeySecretRef: { name: `${CLUSTER_ISSUER}-acme-account-key` },
        solvers: [{ http01: { ingress: { ingressClassName: "nginx" } } }],
      },
    },
  };
}

/** KKP CE reads exactly one Seed, `kubermatic`: the master cluster itself, with one datacenter in its region. */
function seed(config: KkpConfig): Manifest {
  const cloud = config.cloud;
  const datacenter =
    cloud.provider === "aws"
      ? { [`aws-${cloud.aws.region}`]: { location: cloud.aws.region, spec: { aws: { region: cloud.aws.region } } } }
      : {
          [`gcp-${cloud.gcp.region}`]: {
            location: cloud.gcp.region,
            spec: {
              gcp: {
                region: cloud.gcp.region,
                regional: true,
                zoneSuffixes: cloud.gcp.zones ? cloud.gcp.zones.map((zone) => zone.slice(cloud.gcp.region.length + 1)) : ["a", "b", "c"],
              },
            },
          },
        };
  return {
    apiVersion: "kubermatic.k8c.io/v1",
    kind: "Seed",
    metadata: { name: "kubermatic", namespace: "kubermatic" },
    spec: {
      // Written by kkp-deploy from the cluster's admin kubeconfig (client certificates, no expiring token).
      kubeconfig: { name: "kubeconfig-kubermatic", namespace: "kubermatic", fieldPath: "kubeconfig" },
      datacenters: datacenter,
    },
  };
}

/** The administrator's project; its ID is the configured project name. */
function project(config: KkpConfig): Manifest[] {
  const id = config.kkp.project;
  return [
    { apiVersion: "kubermatic.k8c.io/v1", kind: "Project", metadata: { name: id }, spec: { name: id } },
    {
      apiVersion: "kubermatic.k8c.io/v1",
      kind: "UserProjectBinding",
      metadata: { name: `${id}-admin` },
      spec: { userEmail: config.kkp.adminEmail, projectID: id, group: `owners-${id}` },
    },
  ];
}

/** Cloud credentials for user clusters, usable by accounts of the administrator's e-mail domain. */
function preset(config: KkpConfig): Manifest {
  const provider = config.cloud.provider;
  const [first, second] = PRESET_SECRETS[provider];
  const credentials =
    provider === "aws"
      ? { aws: { accessKeyID: placeholder(first), secretAccessKey: placeholder(second) } }
      : { gcp: { serviceAccount: placeholder(first) } };
  return {
    apiVersion: "kubermatic.k8c.io/v1",
    kind: "Preset",
    metadata: { name: `${config.name}-${provider}` },
    spec: { enabled: true, requiredEmails: [config.kkp.adminEmail.split("@")[1]], ...credentials },
  };
}

function ingress(host: string, secretName: string) {
  return {
    enabled: true,
    ingressClassName: "nginx",
    annotations: { "cert-manager.io/cluster-issuer": CLUSTER_ISSUER },
    hosts: [host],
    tls: [{ secretName, hosts: [host] }],
  };
}

function kubePrometheusStack(config: KkpConfig, env: EnvironmentConfig): Manifest {
  const dex = `https://${env.domain}/dex`;
  const host = grafanaHost(env);
  return helmRelease(CHARTS.kubePrometheusStack, "kube-prometheus-stack", "monitoring", {
    alertmanager: { enabled: config.kkp.alerting },
    prometheus: {
      prometheusSpec: {
        retention: "15d",
        // Pick up ServiceMonitors and rules from every namespace, not only this release's.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        storageSpec: { volumeClaimTemplate: { spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } } } },
      },
    },
    grafana: {
      ingress: ingress(host, "grafana-tls"),
      // GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET, written by kkp-deploy from a CI secret.
      envFromSecret: GRAFANA_OAUTH_SECRET,
      "grafana.ini": {
        server: { root_url: `https://${host}` },
        // Only Dex logins: no login form and no basic auth, so the chart's default admin password is useless.
        auth: { disable_login_form: true },
        "auth.basic": { enabled: false },
        "auth.generic_oauth": {
          enabled: true,
          name: "KKP",
          client_id: DEX_CLIENTS.grafana,
          scopes: "openid email profile",
          auth_url: `${dex}/auth`,
          token_url: `${dex}/token`,
          api_url: `${dex}/userinfo`,
          allow_sign_up: true,
          role_attribute_path: `email == '${config.kkp.adminEmail}' && 'Admin' || 'Viewer'`,
        },
      },
      ...(config.kkp.logging
        ? { additionalDataSources: [{ name: "Loki", type: "loki", access: "proxy", url: "http://loki.logging.svc:3100" }] }
        : {}),
    },
  });
}

function loki(): Manifest {
  return helmRelease(CHARTS.loki, "loki", "logging", {
    deploymentMode: "SingleBinary",
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: 1 },
      storage: { type: "filesystem" },
      schemaConfig: { configs: [{ from: "2024-01-01", store: "tsdb", object_store: "filesystem", schema: "v13", index: { prefix: "loki_index_", period: "24h" } }] },
      limits_config: { retention_period: "168h" },
      compactor: { retention_enabled: true, delete_request_store: "filesystem" },
    },
    singleBinary: { replicas: 1, persistence: { size: "20Gi" } },
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    gateway: { enabled: false },
    chunksCache: { enabled: false },
    resultsCache: { enabled: false },
    lokiCanary: { enabled: false },
    test: { enabled: false },
  });
}

/** Alloy on every node, shipping the logs of that node's pods to Loki. */
const ALLOY_CONFIG = `discovery.kubernetes "pods" {
  role = "pod"
  selectors {
    role  = "pod"
    field = "spec.nodeName=" + sys.env("HOSTNAME")
  }
}

discovery.relabel "pods" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pods.output
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "http://loki.logging.svc:3100/loki/api/v1/push"
  }
}
`;

function alloy(): Manifest {
  return helmRelease(CHARTS.alloy, "alloy", "logging", {
    controller: { type: "daemonset" },
    alloy: { configMap: { content: ALLOY_CONFIG } },
  });
}
