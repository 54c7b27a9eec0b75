/**
 * The settings every installation has, whatever its cloud and CI system: their schema with every default, and the
 * checks across them. The `cloud` and `ci` sections belong to the targets (clouds/<cloud>/schema.ts,
 * ci/<system>/schema.ts); config/schema.ts puts the whole file together.
 */
import { z } from "zod";
import { cidrsOverlap, dnsName, email, ipv4Cidr, parseCidr, resourceName, sshPublicKey } from "./formats";

/** Installation names and environment names end up in resource names with cloud length limits. */
export const MAX_NAME_LENGTH = 15;
export const MAX_ENVIRONMENT_NAME_LENGTH = 12;

const machineType = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]*$/, { error: "must be a machine type such as t3.large or e2-standard-4" })
  .optional();

const environmentSchema = z.strictObject({
  name: resourceName(MAX_ENVIRONMENT_NAME_LENGTH).describe("Environment name, e.g. ops, apps, apps-prod."),
  domain: dnsName
    .optional()
    .describe("KKP domain of this environment. @default kkp.domain for the first environment, <name>.<kkp.domain> for the others"),
  reviewers: z
    .strictObject({
      users: z.array(z.string().min(1)).default([]).describe("User names (GitHub logins, GitLab usernames such as john.doe), checked against the CI system's rules. @default []"),
      teams: z.array(z.string().min(1)).default([]).describe("GitHub team slugs such as platform-admins, or GitLab group paths such as platform/admins. @default []"),
    })
    .default({ users: [], teams: [] })
    .describe("Who must approve the apply-and-later jobs of this environment (CI environment protection; Bitbucket's deployment permissions are set in its repository settings). @default nobody"),
});

/** Where Alertmanager sends alerts: the credentials of each receiver are CI secrets (content/alerting.ts). */
const alertingSchema = z
  .strictObject({
    email: z
      .strictObject({
        to: email.describe("Address the alerts go to."),
        from: email.describe("Sender address."),
        smarthost: z
          .string()
          .regex(/^[a-z0-9.-]+:\d{1,5}$/, { error: "must be host:port of an SMTP server, such as smtp.example.com:587" })
          .describe("SMTP server as host:port; TLS is required."),
        username: z.string().min(1).optional().describe("SMTP login; its password is the CI secret KKP_ALERTMANAGER_SMTP_PASSWORD. @default no login"),
      })
      .optional()
      .describe("E-mail receiver."),
    slack: z
      .strictObject({ channel: z.string().regex(/^[#@]?[a-z0-9._-]{1,80}$/, { error: "must be a Slack channel such as #kkp-alerts" }).describe("Channel, e.g. #kkp-alerts.") })
      .optional()
      .describe("Slack receiver; the incoming-webhook URL is the CI secret KKP_ALERTMANAGER_SLACK_URL."),
    webhook: z.literal(true).optional().describe("Webhook receiver (an incident tool's endpoint); its URL is the CI secret KKP_ALERTMANAGER_WEBHOOK_URL."),
    heartbeat: z
      .boolean()
      .default(false)
      .describe("Send the always-firing Watchdog alert every minute to a dead-man's switch (URL: the CI secret KKP_ALERTMANAGER_HEARTBEAT_URL), which pages when it stops. @default false"),
  })
  .refine((alerting) => alerting.email || alerting.slack || alerting.webhook, {
    error: "names no receiver: add email, slack or webhook: true, or set alerting: false",
  });

const VERSION = /^v?\d+\.\d+(\.\d+)?$/;
/** A pinned tool version; the default is also the example the error message gives. */
const version = (fallback: string, what: string) =>
  z.string().regex(VERSION, { error: `must be a version such as ${fallback}` }).default(fallback).describe(`${what}. @default ${fallback}`);

/**
 * Tool versions the pipeline installs, the newest patch of each supported line (read from the upstream repositories;
 * config/settings/compatibility.ts says which Kubernetes minors each line supports). kubectl is not here: it
 * follows kubernetes.version unless set.
 */
export const DEFAULT_TOOLS = {
  terraform: "1.15.9",
  node: "24",
  kubeone: "1.14.2",
  kubermatic: "v2.31.0",
  helm: "v4.2.4",
  flux: "2.9.4",
} as const;

/** The newest Kubernetes 1.36 patch; KubeOne 1.14, KKP 2.31, Flux 2.9 and Helm 4.2 all support 1.36. */
export const DEFAULT_KUBERNETES_VERSION = "1.36.4";

/** kubectl of the cluster's own release, unless pipeline.tools.kubectl names one. */
export function kubectlVersion(tools: { readonly kubectl?: string }, kubernetesVersion: string): string {
  return tools.kubectl ?? `v${kubernetesVersion}`;
}

/** KubeOne's own defaults for the pod and service ranges (pkg/apis/kubeone/v1beta2/defaults.go). */
export const DEFAULT_POD_CIDR = "10.244.0.0/16";
export const DEFAULT_SERVICE_CIDR = "10.96.0.0/12";
/** A /20 pod range holds 16 nodes' /24s: the least that leaves room for a master cluster to grow. */
const MAX_POD_PREFIX = 20;

function inPrefixRange(cidr: string, min: number, max: number): boolean {
  const prefix = parseCidr(cidr)?.prefix;
  return prefix === undefined || (prefix >= min && prefix <= max);
}

/** The default runner: GitHub's hosted Ubuntu runners, which have no fixed addresses inside any network. */
export const HOSTED_RUNNER = "ubuntu-latest";

const pipelineSchema = z
  .strictObject({
    credentials: z
      .enum(["oidc", "static-keys"], { error: "pipeline.credentials must be 'oidc' or 'static-keys'" })
      .default("oidc")
      .describe("How the pipeline authenticates to the cloud: short-lived OIDC federation, or long-lived keys stored as CI secrets. @default oidc"),
    runner: z
      .string()
      .min(1)
      .default(HOSTED_RUNNER)
      .describe(`Runner label the GitHub jobs run on (runs-on); GitLab and Bitbucket jobs run on their hosted runners. @default ${HOSTED_RUNNER}`),
    tools: z
      .strictObject({
        terraform: version(DEFAULT_TOOLS.terraform, "Terraform (>= 1.10 for S3 native locking)"),
        node: z
          .string()
          .regex(/^\d+$/, { error: "must be a Node.js major version such as 24" })
          .refine((major) => Number(major) >= 22, { error: "must be 22 or newer: Node.js 20 reached its end of life on 2026-04-30" })
          .default(DEFAULT_TOOLS.node)
          .describe(`Node.js major version of the pipeline's jobs and images. @default ${DEFAULT_TOOLS.node}`),
        kubeone: version(DEFAULT_TOOLS.kubeone, "KubeOne"),
        kubermatic: version(DEFAULT_TOOLS.kubermatic, "KKP release of kubermatic-installer"),
        kubectl: z
          .string()
          .regex(VERSION, { error: `must be a version such as v${DEFAULT_KUBERNETES_VERSION}` })
          .optional()
          .describe("kubectl. @default v<kubernetes.version>"),
        helm: version(DEFAULT_TOOLS.helm, "Helm"),
        flux: version(DEFAULT_TOOLS.flux, "Flux CLI"),
      })
      .default(DEFAULT_TOOLS)
      .describe("Tool versions installed by the pipeline."),
  })
  .default({ credentials: "oidc", runner: HOSTED_RUNNER, tools: DEFAULT_TOOLS })
  .describe("The delivery pipeline.");

export const settingsShape = {
    name: resourceName(MAX_NAME_LENGTH).describe("Installation name, used in resource names and the state bucket name, e.g. kkp."),
    uniqueResourceNames: z
      .boolean()
      .default(false)
      .describe(
        "Name every cluster's cloud resources <name>-<environment>-<hash of the installation and environment> (shortened to fit), so installations with the same name and environments can share an AWS account or GCP project. Set it before the first deployment: on an existing installation it renames, and so replaces, the cluster's machines, network and load balancer. @default false",
      ),
    pipeline: pipelineSchema,
    state: z
      .strictObject({
        bucketName: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, {
            error: "must be 3-63 lowercase letters, digits or '-' (no dots), starting and ending with a letter or digit",
          })
          .optional()
          .describe("State bucket name. @default <name>-tfstate-<hash of cloud, region and repository>"),
        locking: z
          .enum(["lockfile", "dynamodb"], { error: "state.locking must be 'lockfile' or 'dynamodb'" })
          .default("lockfile")
          .describe("How Terraform locks state on AWS: S3 native lock file (Terraform >= 1.10) or a DynamoDB table. @default lockfile"),
      })
      .default({ locking: "lockfile" })
      .describe("The Terraform state backend."),
    kubernetes: z
      .strictObject({
        version: z
          .string()
          .regex(/^1\.\d{2}\.\d{1,2}$/, { error: `must be a Kubernetes patch release such as ${DEFAULT_KUBERNETES_VERSION} (no leading v)` })
          .default(DEFAULT_KUBERNETES_VERSION)
          .describe(`Kubernetes version KubeOne installs on the KKP master cluster. @default ${DEFAULT_KUBERNETES_VERSION}`),
        podCidr: ipv4Cidr
          .refine((value) => inPrefixRange(value, 8, MAX_POD_PREFIX), {
            error: `must have a prefix between /8 and /${MAX_POD_PREFIX}: each node takes a /24 of it, so a smaller range leaves room for too few nodes`,
          })
          .default(DEFAULT_POD_CIDR)
          .describe(`Pod addresses (KubeOne's clusterNetwork.podSubnet, a /24 per node); must not overlap the cluster's network or the service range. Set it before the first deployment: KubeOne cannot change it later. @default ${DEFAULT_POD_CIDR}`),
        serviceCidr: ipv4Cidr
          .refine((value) => inPrefixRange(value, 12, 24), { error: "must have a prefix between /12 (the largest range the API server takes) and /24" })
          .default(DEFAULT_SERVICE_CIDR)
          .describe(`Service addresses (KubeOne's clusterNetwork.serviceSubnet); must not overlap the cluster's network or the pod range. Set it before the first deployment. @default ${DEFAULT_SERVICE_CIDR}`),
      })
      .default({ version: DEFAULT_KUBERNETES_VERSION, podCidr: DEFAULT_POD_CIDR, serviceCidr: DEFAULT_SERVICE_CIDR })
      .describe("The KKP master cluster's Kubernetes."),
    kkp: z
      .strictObject({
        domain: dnsName.describe("Domain KKP is served on, e.g. kkp.example.com; the dashboard lives at https://<domain>."),
        adminEmail: email.describe(
          "E-mail of the first KKP administrator: the Let's Encrypt account, the Dex login (its generated password is an output of the CI stack) and the owner of the project.",
        ),
        project: resourceName(MAX_NAME_LENGTH)
          .optional()
          .describe("Name of the KKP project Flux creates for the administrator. @default the installation name"),
        monitoring: z
          .boolean()
          .default(false)
          .describe("Deliver Prometheus, Grafana (at https://grafana.<domain>, login through Dex), node-exporter and kube-state-metrics with Flux. @default false"),
        logging: z.boolean().default(false).describe("Deliver Loki and Grafana Alloy (collecting every pod's logs) with Flux. @default false"),
        alerting: z
          .union([z.literal(false), alertingSchema], {
            error: (issue) =>
              issue.input === true
                ? "is true, but Alertmanager needs somewhere to send alerts: name the receivers instead, e.g. alerting: { email: { to: ops@example.com, from: alertmanager@example.com, smarthost: smtp.example.com:587 } }, or slack, or webhook: true (README, alerting)"
                : undefined,
          })
          .default(false)
          .describe(
            "Deliver Alertmanager with Flux, routing every alert to the receivers named here (at least one of email, slack, webhook); needs monitoring: true. Their credentials are CI secrets. @default false",
          ),
      })
      .describe("Kubermatic Kubernetes Platform."),
    dns: z
      .strictObject({
        zone: dnsName.describe("The public DNS zone that holds the KKP domain, e.g. example.com."),
        ttlSeconds: z.number().int().min(30).max(86400).default(300).describe("TTL of the KKP records. @default 300"),
      })
      .describe("The DNS zone KKP's records are written to."),
    ssh: z
      .strictObject({
        publicKey: sshPublicKey.describe("OpenSSH public key installed on every node; its private half is a CI secret."),
        user: z
          .string()
          .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: "must be a Unix user name such as ubuntu" })
          .default("ubuntu")
          .describe("SSH user of the machine image. @default ubuntu"),
      })
      .describe("How KubeOne reaches the nodes."),
    access: z
      .strictObject({
        apiCidrs: z
          .array(ipv4Cidr)
          .default([])
          .describe(
            "Who may reach the Kubernetes API on TCP 6443 from outside, besides the cluster's own NAT address. The pipeline needs none: it reaches the API through kubeone proxy over the tunnel to the bastion. @default [] (nobody)",
          ),
        sshCidrs: z
          .array(ipv4Cidr)
          .default([])
          .describe(
            "Who may SSH to the bastion (or to the nodes when there is no bastion) from outside. The pipeline needs none: it reaches the bastion through the cloud's tunnel (AWS Session Manager, Google Cloud IAP). @default [] (nobody)",
          ),
        nodePortCidrs: z.array(ipv4Cidr).default([]).describe("Who may reach the NodePort range on the nodes. @default [] (nobody)"),
        nodePortRange: z
          .strictObject({
            from: z.number().int().min(1).max(65535).default(30000).describe("First port of the range. @default 30000"),
            to: z.number().int().min(1).max(65535).default(32767).describe("Last port of the range. @default 32767"),
          })
          .default({ from: 30000, to: 32767 })
          .describe("The Kubernetes NodePort range. @default 30000-32767"),
      })
      .describe("Network access from outside the cluster."),
    controlPlane: z
      .strictObject({
        count: z
          .number()
          .int()
          .min(1)
          .max(7)
          .meta({ enum: [1, 3, 5, 7] })
          .default(3)
          .describe("Number of control-plane machines; odd, to keep etcd quorum. @default 3"),
        machineType: machineType.describe("Machine type. @default t3.large on AWS, e2-standard-2 on GCP"),
        diskSizeGiB: z.number().int().min(20).max(2000).default(50).describe("Root disk size in GiB. @default 50"),
      })
      .default({ count: 3, diskSizeGiB: 50 })
      .describe("The KKP master cluster's control plane."),
    bastion: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Create an SSH bastion in a public subnet. @default true"),
        machineType: machineType.describe("Machine type. @default t3.micro on AWS, e2-micro on GCP"),
      })
      .default({ enabled: true })
      .describe("The SSH bastion KubeOne tunnels through."),
    workers: z
      .array(
        z.strictObject({
          name: resourceName(20).describe("Pool name; each pool becomes one MachineDeployment per zone."),
          replicasPerZone: z.number().int().min(0).max(50).default(1).describe("Machines per zone. @default 1"),
          machineType: machineType.describe("Machine type. @default t3.xlarge on AWS, e2-standard-4 on GCP"),
          diskSizeGiB: z.number().int().min(20).max(2000).default(50).describe("Root disk size in GiB. @default 50"),
        }),
      )
      .min(1, { error: "workers needs at least one pool: KKP runs on worker nodes" })
      .default([{ name: "worker", replicasPerZone: 1, diskSizeGiB: 50 }])
      .describe("Worker pools, created by KubeOne's machine-controller. @default one pool 'worker' with one machine per zone"),
    etcdBackups: z
      .strictObject({
        enabled: z
          .boolean()
          .optional()
          .describe(
            "Back up the master cluster's etcd and PKI every 30 minutes, keeping the last 48 (KubeOne's backups-restic addon), encrypted by restic with a password the CI stack generates, into a bucket per environment that the identity stack creates (versioned, encrypted, private, old versions expiring after 14 days, kept on teardown). Needs the identity stack, so OIDC credentials. @default true on AWS with OIDC credentials; false on Google Cloud (the addon reaches GCS through its S3 API with HMAC keys an admin adds to KUBEONE_CREDENTIALS first) and with static keys",
          ),
      })
      .default({})
      .describe(
        "Backups of the KKP master cluster's etcd (docs/RESTORE.md restores them), and the Seed's backup destination for KKP's user clusters (a second bucket per environment, written with its own key).",
      ),
    environments: z
      .array(environmentSchema)
      .min(1, { error: "environments needs at least one environment" })
      .default([{ name: "prod", reviewers: { users: [], teams: [] } }])
      .describe(
        "Infrastructure environments in promotion order; each has its own cluster and DNS stacks. The first is deployed from main, every later one by its deploy tags <env>-deploy-*, once the previous one runs the commit healthily. @default [{ name: prod }]",
      ),
};

/** The settings as written, after defaults. */
export type ParsedSettings = z.infer<z.ZodObject<typeof settingsShape>>;

/** Checks of the machines and of access, reported before the targets' own checks. */
export function checkMachinesAndAccess(config: ParsedSettings, ctx: z.RefinementCtx): void {
  if (config.controlPlane.count % 2 === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["controlPlane", "count"],
      message: `must be odd to keep etcd quorum (got ${config.controlPlane.count}); use 1, 3 or 5`,
    });
  }
  const range = config.access.nodePortRange;
  if (range.from > range.to) {
    ctx.addIssue({ code: "custom", path: ["access", "nodePortRange"], message: `from (${range.from}) must not be above to (${range.to})` });
  }
  config.access.sshCidrs.forEach((cidr, index) => {
    if (cidr.endsWith("/0")) {
      ctx.addIssue({
        code: "custom",
        path: ["access", "sshCidrs", index],
        message: "would open SSH to the whole internet; the pipeline reaches the bastion through the cloud's tunnel, so list only your admins' CIDRs, or none",
      });
    }
  });
}

/** Checks of the environments, their domains and the KKP components, reported after the targets' own checks. */
export function checkEnvironmentsAndComponents(config: ParsedSettings, ctx: z.RefinementCtx): void {
  requireUniqueNames(config.environments, "environments", ctx);
  requireUniqueNames(config.workers, "workers", ctx);
  const domains = new Map<string, string>();
  config.environments.forEach((env, index) => {
    const domain = environmentDomain(env, index, config.kkp.domain);
    const owner = domains.get(domain);
    if (owner) {
      ctx.addIssue({
        code: "custom",
        path: ["environments", index, "domain"],
        message: `would serve ${domain}, which environment '${owner}' already serves; give one of them its own domain`,
      });
    }
    domains.set(domain, env.name);
    if (env.domain !== undefined && !isInZone(env.domain, config.dns.zone)) {
      ctx.addIssue({
        code: "custom",
        path: ["environments", index, "domain"],
        message: `is not below dns.zone '${config.dns.zone}'; use a subdomain of the zone`,
      });
    }
  });
  if (config.kkp.alerting && !config.kkp.monitoring) {
    ctx.addIssue({
      code: "custom",
      path: ["kkp", "alerting"],
      message: "needs kkp.monitoring: true, because Alertmanager receives its alerts from Prometheus; enable monitoring or disable alerting",
    });
  }
  if (!isInZone(config.kkp.domain, config.dns.zone)) {
    ctx.addIssue({
      code: "custom",
      path: ["kkp", "domain"],
      message: `is not below dns.zone '${config.dns.zone}'; use a subdomain of the zone such as kkp.${config.dns.zone}`,
    });
  }
}

function requireUniqueNames(entries: ReadonlyArray<{ name: string }>, list: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (seen.has(entry.name)) {
      ctx.addIssue({ code: "custom", path: [list, index, "name"], message: `is used twice; names in ${list} must be unique` });
    }
    seen.add(entry.name);
  });
}

/** A strict subdomain: records at the zone apex cannot be CNAMEs, and KKP needs `*.<domain>` inside the zone. */
function isInZone(domain: string, zone: string): boolean {
  // A malformed name has its own message already; do not pile a second one on it.
  if (!dnsName.safeParse(domain).success || !dnsName.safeParse(zone).success) return true;
  return domain.endsWith(`.${zone}`);
}

/** An environment's KKP domain: its own, else kkp.domain for the first and `<name>.<kkp.domain>` for later ones. */
export function environmentDomain(env: { name: string; domain?: string }, index: number, kkpDomain: string): string {
  return env.domain ?? (index === 0 ? kkpDomain : `${env.name}.${kkpDomain}`);
}

/**
 * The pod and service ranges against each other and against the cluster's network (`networks`, from the cloud):
 * an overlap routes pod or service traffic to machines, or the other way round, and cannot be changed later.
 */
export function checkClusterRanges(
  config: Pick<ParsedSettings, "kubernetes">,
  networks: ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly cidr: string }>,
  ctx: z.RefinementCtx,
): void {
  const { podCidr, serviceCidr } = config.kubernetes;
  if (cidrsOverlap(podCidr, serviceCidr)) {
    ctx.addIssue({ code: "custom", path: ["kubernetes", "podCidr"], message: `overlaps kubernetes.serviceCidr (${serviceCidr}); give them separate ranges` });
  }
  for (const network of networks) {
    for (const [setting, range] of [["podCidr", podCidr], ["serviceCidr", serviceCidr]] as const) {
      if (cidrsOverlap(network.cidr, range)) {
        ctx.addIssue({
          code: "custom",
          path: ["cloud", ...network.path],
          message: `overlaps kubernetes.${setting} (${range}), so the nodes' and the cluster's addresses would collide; choose a network range outside ${range}, or set kubernetes.${setting}`,
        });
      }
    }
  }
}

/** Backups live in the identity stack's buckets, which static keys go without. */
export function checkBackups(config: Pick<ParsedSettings, "etcdBackups" | "pipeline">, ctx: z.RefinementCtx): void {
  if (config.etcdBackups.enabled === true && config.pipeline.credentials === "static-keys") {
    ctx.addIssue({
      code: "custom",
      path: ["etcdBackups", "enabled"],
      message:
        "is true, but the backup buckets and their access come with the identity stack, which pipeline.credentials: static-keys has none of; use OIDC credentials, or remove it and back etcd up yourself",
    });
  }
}

/**
 * Whether etcd is backed up: as configured, else when the identity stack, which holds the buckets, exists and the
 * cloud backs up by default.
 */
export function etcdBackupsEnabled(config: Pick<ParsedSettings, "etcdBackups" | "pipeline">, byDefault: boolean): boolean {
  return config.etcdBackups.enabled ?? (byDefault && config.pipeline.credentials === "oidc");
}
