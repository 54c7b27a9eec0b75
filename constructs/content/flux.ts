/**
 * The Flux tree of one environment: what Flux delivers once `flux bootstrap` has put its own
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
import { fluxBranch, fluxKustomizationName, REPOSITORY_PATHS } from "../core/names";
import type { EnvironmentConfig, KkpConfig } from "../../config/settings/resolve";
import { FLUX_PARTS, fluxParts, type FluxPart } from "./flux-parts";
import { ALERT_RECEIVERS_SECRET, alertmanagerConfig } from "./alerting";
import { CLUSTER_ISSUER, DEX_CLIENTS, GATEWAY_ACCESS_LABEL, gatewayApi, grafanaHost, KKP_GATEWAY } from "./kubermatic";
import type { CloudContent, GitHost } from "./targets";
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

/**
 * Helm charts the optional components install, pinned for reproducible deliveries: the newest release of each in its
 * repository's index. Loki moved to grafana-community (the grafana repository's index stops at loki 7.3.0); Alloy
 * stays in grafana's.
 */
export const CHARTS = {
  kubePrometheusStack: { repository: "prometheus-community", url: "https://prometheus-community.github.io/helm-charts", chart: "kube-prometheus-stack", version: "88.5.3" },
  loki: { repository: "grafana-community", url: "https://grafana-community.github.io/helm-charts", chart: "loki", version: "18.11.0" },
  alloy: { repository: "grafana", url: "https://grafana.github.io/helm-charts", chart: "alloy", version: "1.11.1" },
} as const;
type Chart = (typeof CHARTS)[keyof typeof CHARTS];

/** One generated file: its repository path and the objects in it (a kustomization.yaml is one object). */
export interface GeneratedFile {
  readonly path: string;
  readonly objects: readonly Manifest[];
}

/** What a part delivers: its files, and the Secret its placeholders are substituted from, if any. */
interface PartContent {
  readonly files: ReadonlyArray<{ readonly name: string; readonly objects: readonly Manifest[] }>;
  readonly substituteFrom?: string;
}

interface Part extends PartContent {
  readonly name: FluxPart;
  readonly dependsOn: readonly FluxPart[];
  readonly timeout: string;
}

/** The targets the Flux tree is generated for. */
export interface FluxTargets {
  readonly cloud: CloudContent;
  readonly gitHost: GitHost;
}

const PART_CONTENT: Readonly<Record<FluxPart, (config: KkpConfig, env: EnvironmentConfig, cloud: CloudContent) => PartContent>> = {
  platform: (config, env, cloud) => ({
    substituteFrom: PRESET_CREDENTIALS_SECRET,
    files: [
      { name: CLUSTER_ISSUER_FILE, objects: [clusterIssuer(config)] },
      { name: "seed.yaml", objects: [seed(cloud, env)] },
      { name: "project.yaml", objects: project(config) },
      { name: "preset.yaml", objects: [preset(config, cloud)] },
    ],
  }),
  monitoring: (config, env) => ({
    // Grafana's HTTPRoute attaches to KKP's Gateway only from a namespace carrying the access label.
    files: [{ name: "kube-prometheus-stack.yaml", objects: [namespace("monitoring", gatewayApi(config) ? GATEWAY_ACCESS_LABEL : undefined), kubePrometheusStack(config, env)] }],
  }),
  logging: () => ({ files: [{ name: "loki.yaml", objects: [namespace("logging"), loki(), alloy()] }] }),
};

export function fluxRoot(env: EnvironmentConfig): string {
  return `${REPOSITORY_PATHS.fluxCluster(env.name)}/kkp`;
}

const CLUSTER_ISSUER_FILE = "cluster-issuer.yaml";

/** The ClusterIssuer's file in the Flux tree, which kkp-deploy also applies, right after the installer. */
export function clusterIssuerPath(env: EnvironmentConfig): string {
  return `${fluxRoot(env)}/parts/platform/${CLUSTER_ISSUER_FILE}`;
}

export function fluxTree(config: KkpConfig, env: EnvironmentConfig, targets: FluxTargets): GeneratedFile[] {
  const root = fluxRoot(env);
  const parts: Part[] = fluxParts(config).map((name) => ({ name, ...FLUX_PARTS[name], ...PART_CONTENT[name](config, env, targets.cloud) }));
  const charts = [...new Map(usedCharts(config).map((chart) => [chart.repository, chart])).values()];
  const source = env.index === 0 ? BOOTSTRAP_SOURCE : `kkp-${env.name}`;
  const promoted = `${root}/parts`;
  return [
    // The entry, applied by bootstrap's Kustomization from main: where this environment's parts come from.
    { path: `${root}/kustomization.yaml`, objects: [kustomize(["entry.yaml"])] },
    { path: `${root}/entry.yaml`, objects: [...(env.index === 0 ? [] : [promotedSource(targets.gitHost, env, source)]), entryKustomization(env, promoted, source)] },
    // Everything else comes from the entry's source: main for the first environment, deploy/<env> for the others.
    { path: `${promoted}/kustomization.yaml`, objects: [kustomize(["flux.yaml", "notifications.yaml"])] },
    { path: `${promoted}/flux.yaml`, objects: [...charts.map(helmRepository), ...parts.map((part) => fluxKustomization(env, part, promoted, source))] },
    { path: `${promoted}/notifications.yaml`, objects: notifications(config, env, targets.gitHost) },
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

function namespace(name: string, labels?: Readonly<Record<string, string>>): Manifest {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, ...(labels ? { labels } : {}) } };
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
      ...(part.dependsOn.length > 0 ? { dependsOn: part.dependsOn.map((name) => ({ name: fluxKustomizationName(env.name, name) })) } : {}),
      ...(part.substituteFrom ? { postBuild: { substituteFrom: [{ kind: "Secret", name: part.substituteFrom }] } } : {}),
    },
  };
}

/** A later environment's parts follow its deploy branch, which only its deploy-tag pipeline moves. */
function promotedSource(gitHost: GitHost, env: EnvironmentConfig, name: string): Manifest {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: {
      interval: "1m",
      url: gitHost.repositoryUrls.ssh,
      ref: { branch: fluxBranch(env) },
      // The deploy key flux bootstrap created for this repository.
      secretRef: { name: BOOTSTRAP_SOURCE },
    },
  };
}

/**
 * Flux reports back: a commit status per part on the commit it deployed (the context names the
 * part's Kustomization, which names the environment), and on GitHub a repository_dispatch that starts the
 * post-deployment workflow. Both Alerts add the environment to the event metadata.
 */
function notifications(config: KkpConfig, env: EnvironmentConfig, gitHost: GitHost): Manifest[] {
  const address = gitHost.repositoryUrls.https;
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
  const providers = gitHost.notificationProviders;
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
      // CreateReplace: a chart upgrade also updates the CRDs it ships (Flux's default skips them on upgrade).
      install: { crds: "CreateReplace", remediation: { retries: 3 } },
      upgrade: { crds: "CreateReplace", remediation: { retries: 3, strategy: "rollback" } },
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
        // HTTP-01 through KKP's Gateway from 2.31 (cert-manager's solver HTTPRoute), through nginx-ingress before.
        solvers: [
          gatewayApi(config)
            ? { http01: { gatewayHTTPRoute: { parentRefs: [{ kind: "Gateway", name: KKP_GATEWAY.name, namespace: KKP_GATEWAY.namespace }] } } }
            : { http01: { ingress: { ingressClassName: "nginx" } } },
        ],
      },
    },
  };
}

/** KKP CE reads exactly one Seed, `kubermatic`: the master cluster itself, with the cloud's datacenters. */
/** The Secret kkp-deploy writes with the user-cluster backups' key (ACCESS_KEY_ID, SECRET_ACCESS_KEY: KKP's names). */
export const USER_CLUSTER_BACKUP_SECRET = { name: "kkp-user-cluster-backups", namespace: "kube-system" } as const;

function seed(cloud: CloudContent, env: EnvironmentConfig): Manifest {
  return {
    apiVersion: "kubermatic.k8c.io/v1",
    kind: "Seed",
    metadata: { name: "kubermatic", namespace: "kubermatic" },
    spec: {
      // Written by kkp-deploy: a ServiceAccount token from kubermatic-installer convert-kubeconfig, which does not expire.
      kubeconfig: { name: "kubeconfig-kubermatic", namespace: "kubermatic", fieldPath: "kubeconfig" },
      datacenters: cloud.seedDatacenters,
      // Where KKP backs up every user cluster's etcd by default (KKP 2.31 sdk/apis/kubermatic/v1/datacenter.go).
      ...(env.userClusterBackupBucket
        ? {
            etcdBackupRestore: {
              destinations: { [cloud.id]: { endpoint: cloud.backupEndpoint, bucketName: env.userClusterBackupBucket, credentials: { ...USER_CLUSTER_BACKUP_SECRET } } },
              defaultDestination: cloud.id,
            },
          }
        : {}),
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
function preset(config: KkpConfig, cloud: CloudContent): Manifest {
  return {
    apiVersion: "kubermatic.k8c.io/v1",
    kind: "Preset",
    metadata: { name: `${config.name}-${cloud.id}` },
    spec: { enabled: true, requiredEmails: [config.kkp.adminEmail.split("@")[1]], ...cloud.presetCredentials },
  };
}

/**
 * How Grafana is reached. From KKP 2.31: an HTTPRoute on KKP's Gateway, with no section name, so KKP's
 * HTTPRoute-Gateway sync adds an HTTPS listener for its host and cert-manager its certificate. Before: an nginx Ingress.
 */
function grafanaExposure(config: KkpConfig, host: string): Record<string, unknown> {
  if (gatewayApi(config)) {
    return { ingress: { enabled: false }, route: { main: { enabled: true, hostnames: [host], parentRefs: [{ name: KKP_GATEWAY.name, namespace: KKP_GATEWAY.namespace }] } } };
  }
  return {
    ingress: { enabled: true, ingressClassName: "nginx", annotations: { "cert-manager.io/cluster-issuer": CLUSTER_ISSUER }, hosts: [host], tls: [{ secretName: "grafana-tls", hosts: [host] }] },
  };
}

function kubePrometheusStack(config: KkpConfig, env: EnvironmentConfig): Manifest {
  const dex = `https://${env.domain}/dex`;
  const host = grafanaHost(env);
  return helmRelease(CHARTS.kubePrometheusStack, "kube-prometheus-stack", "monitoring", {
    alertmanager: config.kkp.alerting
      ? { enabled: true, config: alertmanagerConfig(config.kkp.alerting), alertmanagerSpec: { secrets: [ALERT_RECEIVERS_SECRET] } }
      : { enabled: false },
    // KubeOne keeps kubeadm's bindings: the scheduler and controller-manager listen on 127.0.0.1, etcd's metrics on
    // 127.0.0.1:2381, kube-proxy's on 127.0.0.1:10249. Prometheus cannot reach them, so scraping them, and their
    // alerts (which would fire forever on the missing targets), are turned off; the API server and kubelets stay.
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeProxy: { enabled: false },
    defaultRules: { rules: { kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, etcd: false, kubeProxy: false } },
    // Rendered by the chart, after it installed the PrometheusRule CRD (a rule object beside the release would not be).
    additionalPrometheusRulesMap: {
      [CERTIFICATE_RULES]: { groups: [certificateAlerts()] },
      ...(env.etcdBackupBucket ? { "kkp-etcd-backups": { groups: [etcdBackupAlerts()] } } : {}),
    },
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
      ...grafanaExposure(config, host),
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

const CERTIFICATE_RULES = "kkp-control-plane-certificates";
/** Days before expiry the warning starts: after kubeone-apply's renewal window (90 days), before kubelets rotate theirs (past 70-90% of a year). */
export const CERTIFICATE_WARNING_DAYS = 30;

/**
 * kubeadm issues the control plane's certificates together, for a year: the API server's, and the client certificates
 * of the controller-manager, the scheduler and the admin kubeconfig. kubeone-apply renews them when it runs within 90
 * days of their expiry; on a cluster no change reaches, this warns 30 days ahead. The API server records the expiry
 * of every client certificate presented to it (the chart's KubeClientCertificateExpiration rule reads the same
 * histogram, but warns 7 days ahead); kubelets rotate theirs before 30 days are left, so only kubeadm's set it off.
 */
function certificateAlerts(): Record<string, unknown> {
  const job = `{job="apiserver"}`;
  return {
    name: CERTIFICATE_RULES,
    rules: [
      {
        alert: "KKPControlPlaneCertificatesExpiring",
        expr: [
          `histogram_quantile(0.01, sum without (namespace, service, endpoint) (rate(apiserver_client_certificate_expiration_seconds_bucket${job}[5m]))) < ${CERTIFICATE_WARNING_DAYS * 86400}`,
          "and",
          `on (job, cluster, instance) apiserver_client_certificate_expiration_seconds_count${job} > 0`,
        ].join("\n"),
        for: "1h",
        labels: { severity: "warning" },
        annotations: {
          summary: `The KKP master's control-plane certificates expire within ${CERTIFICATE_WARNING_DAYS} days`,
          description:
            "A client certificate kubeadm issued (controller-manager, scheduler or admin) expires in {{ $value | humanizeDuration }}; the control plane's serving certificates expire with it. Run the pipeline on main, whose kubeone-apply renews them, or `kubeone certificates renew`.",
        },
      },
    ],
  };
}

/** The CronJob KubeOne 1.14's backups-restic addon runs every 30 minutes (addons/backups-restic). */
const ETCD_BACKUP_CRONJOB = { namespace: "kube-system", name: "etcd-s3-backup" } as const;

/**
 * A backup that stopped is found before it is needed: kube-state-metrics' last successful run of the addon's CronJob,
 * four runs overdue, or never after an hour.
 */
function etcdBackupAlerts(): Record<string, unknown> {
  const selector = `{namespace="${ETCD_BACKUP_CRONJOB.namespace}",cronjob="${ETCD_BACKUP_CRONJOB.name}"}`;
  return {
    name: "kkp-etcd-backups",
    rules: [
      {
        alert: "KKPMasterEtcdBackupStale",
        expr: `time() - kube_cronjob_status_last_successful_time${selector} > 7200`,
        for: "15m",
        labels: { severity: "critical" },
        annotations: {
          summary: "The KKP master cluster's etcd has not been backed up for over two hours",
          description: `CronJob ${ETCD_BACKUP_CRONJOB.namespace}/${ETCD_BACKUP_CRONJOB.name} (KubeOne's backups-restic addon) last succeeded {{ $value | humanizeDuration }} ago; check its pods' logs and the backup bucket's access.`,
        },
      },
      {
        alert: "KKPMasterEtcdBackupNeverSucceeded",
        expr: `absent(kube_cronjob_status_last_successful_time${selector})`,
        for: "1h",
        labels: { severity: "critical" },
        annotations: {
          summary: "The KKP master cluster's etcd backup has never succeeded",
          description: `CronJob ${ETCD_BACKUP_CRONJOB.namespace}/${ETCD_BACKUP_CRONJOB.name} has no successful run an hour after it appeared, or does not exist; check kubeone apply's backups addon.`,
        },
      },
    ],
  };
}

function loki(): Manifest {
  return helmRelease(CHARTS.loki, "loki", "logging", {
    // One Loki process on filesystem storage ("Monolithic", formerly "SingleBinary").
    deploymentMode: "Monolithic",
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
    // On control-plane nodes too, which carry kubeadm's control-plane taint: their pods' logs matter most.
    controller: { type: "daemonset", tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }] },
    alloy: { configMap: { content: ALLOY_CONFIG } },
  });
}
