/**
 * One builder per job of the delivery pipeline. Each returns the job as the environment's shape wants it: the
 * first environment's jobs run on change requests and pushes to main, skipping what a push did not change; a
 * later environment's run on its deploy tags, all of them behind the promotion check.
 */
import { DNS_TARGET_VARIABLES, type DnsTargetService, fluxBranch, MAIN_BRANCH, REPOSITORY_PATHS, stackDir, stackIds } from "../core/names";
import type { Job, JobId, Secret, Step, Trigger } from "../core/pipeline-model";
import { ETCD_BACKUP_PASSWORD, GRAFANA_CLIENT_SECRET, SECRETS, USER_CLUSTER_BACKUP_SECRETS } from "../core/secrets";
import type { EnvironmentConfig } from "../../config/settings/resolve";
import { ALERT_RECEIVERS_SECRET, alertingSecrets } from "../content/alerting";
import { ETCD_BACKUP_VARIABLES } from "../content/kubeone";
import { clusterIssuerPath, USER_CLUSTER_BACKUP_SECRET, GRAFANA_OAUTH_SECRET, NOTIFICATION_TOKEN_SECRET, PRESET_CREDENTIALS_SECRET } from "../content/flux";
import { GATEWAY_ADDRESS_JSONPATH, gatewayApi, installerSecrets, KKP_GATEWAY, LEGACY_NGINX } from "../content/kubermatic";
import type { PipelineSource } from "./targets";
import { applySecret, applySecretFromEnv, CLOSE_CLUSTER_TUNNEL, KKP_CHARTS, KUBECONFIG, KUBEONE_PROXY, openClusterTunnel, PLAN_FILE, PLAN_REPORT, step, SYNTH, terraform, TERRAFORM_FLAGS } from "./shell";

/** How an environment's pipeline runs its jobs. */
export interface Shape {
  /** The events a job runs on, given those it runs on in the first environment. */
  readonly triggers: (first: readonly Trigger[]) => readonly Trigger[];
  /** Jobs every job of the chain needs first. */
  readonly gate: readonly JobId[];
  /** Whether jobs skip what the push did not change (`onlyIfChanged`). */
  readonly changeAware: boolean;
  /** What flux-bootstrap waits for. */
  readonly fluxBootstrapAfter: readonly JobId[];
  /** Jobs before the chain. */
  readonly first: (context: JobContext) => Job[];
  /** Jobs between kkp-deploy and flux-bootstrap. */
  readonly beforeFluxBootstrap: (context: JobContext) => Job[];
}

export const FIRST_ENVIRONMENT: Shape = {
  triggers: (first) => first,
  gate: [],
  changeAware: true,
  fluxBootstrapAfter: ["kkp-deploy"],
  first: () => [],
  beforeFluxBootstrap: () => [],
};

/** A later environment deploys the whole chain for exactly the tagged commit, once `previous` runs it healthily. */
export function laterEnvironment(previous: EnvironmentConfig): Shape & { readonly previous: EnvironmentConfig } {
  return {
    triggers: () => ["deploy-tag"],
    gate: ["promotion-check"],
    changeAware: false,
    fluxBootstrapAfter: ["flux-source-update"],
    first: (context) => [promotionCheck(context)],
    beforeFluxBootstrap: (context) => [fluxSourceUpdate(context)],
    previous,
  };
}

export interface JobContext {
  readonly source: PipelineSource;
  readonly env: EnvironmentConfig;
  /** The environment promoted to after this one. */
  readonly next?: EnvironmentConfig;
  readonly shape: Shape & { readonly previous?: EnvironmentConfig };
}

/** A job of the chain, in the environment's shape. */
function chained({ shape }: JobContext, job: Job): Job {
  const { onlyIfChanged, ...rest } = job;
  return {
    ...rest,
    triggers: shape.triggers(job.triggers),
    needs: [...shape.gate, ...job.needs],
    ...(shape.changeAware && onlyIfChanged ? { onlyIfChanged } : {}),
  };
}

/** A job that deploys: on main (in the first shape), bound to the environment (its approvals), logged in to the cloud. */
function deployJob(context: JobContext, job: Omit<Job, "triggers" | "environment" | "cloudLogin">): Job {
  return chained(context, {
    ...job,
    triggers: ["main"],
    environment: context.env.name,
    cloudLogin: true,
    ...(job.steps.some((s) => s.name === FETCH_KUBECONFIG) ? { env: { ...job.env, KUBECONFIG } } : {}),
  });
}

/** A step's secrets, or none: an empty list would be rendered as an empty env. */
const nonEmpty = <T>(list: readonly T[]): readonly T[] | undefined => (list.length > 0 ? list : undefined);

/** The saved plan of the cluster stack, handed from the plan job to the apply job. */
const planArtifact = (env: EnvironmentConfig) => ({ name: `plan-${env.name}`, directory: stackDir(stackIds.cluster(env.name)) });
const synth = step("Synthesize the stacks", SYNTH);
/**
 * Whether the environment's pipeline prepares the state bucket: only where the state lives in a bucket, and only
 * in the first environment, whose apply identity alone writes the state stack's own state (the bucket's settings
 * stay an admin's).
 */
const preparesBackend = ({ source, env }: JobContext): boolean => source.stateInBucket && env.index === 0;
const backendPrepared = (context: JobContext): JobId[] => (preparesBackend(context) ? ["terraform-backend-prepare"] : []);

function planStep(stack: string): Step {
  return step(
    "Plan",
    [
      terraform(stack, `init ${TERRAFORM_FLAGS}`),
      terraform(stack, `plan ${TERRAFORM_FLAGS} -out=${PLAN_FILE}`),
      `${terraform(stack, `show -json ${PLAN_FILE}`)} > plan.json`,
      `npx tsx scripts/plan-summary.ts ${stack} plan.json > ${PLAN_REPORT}`,
    ].join("\n"),
  );
}

function validateStep(ids: readonly string[]): Step {
  return step("Validate", ids.map((id) => `${terraform(id, "init -backend=false -input=false")}\n${terraform(id, "validate")}`).join("\n"));
}

function outputsStep(env: EnvironmentConfig): Step {
  const stack = stackIds.cluster(env.name);
  return step("Read the cluster stack's outputs", `${terraform(stack, `init ${TERRAFORM_FLAGS}`)}\n${terraform(stack, "output -json")} > tf.json`);
}

/** Whether jobs reach the nodes through the bastion, and so through the cloud's tunnel to it. */
const tunnelled = ({ source }: JobContext): boolean => source.config.bastion.enabled;

/** The cloud's tunnel to the bastion and kubeone proxy, opened after tf.json is read; nothing without a bastion. */
function tunnelSteps(context: JobContext): Step[] {
  if (!tunnelled(context)) return [];
  return [step("Open the tunnel to the bastion and the proxy to the API", openClusterTunnel(context.source.cloud.tunnel, REPOSITORY_PATHS.kubeoneManifest))];
}

/** Closes what `tunnelSteps` opened. */
function closeSteps(context: JobContext): Step[] {
  return tunnelled(context) ? [step("Close the tunnel and the proxy", CLOSE_CLUSTER_TUNNEL)] : [];
}

const FETCH_KUBECONFIG = "Fetch the kubeconfig";

/** The kubeconfig KubeOne fetches over SSH; through the tunnel, pointed at kubeone proxy for the API. */
function kubeconfigStep(context: JobContext, whenMissing?: string): Step {
  const fetch = `(umask 077 && kubeone kubeconfig --manifest ${REPOSITORY_PATHS.kubeoneManifest} --tfjson tf.json > "$KUBECONFIG")`;
  return step(
    FETCH_KUBECONFIG,
    [
      'mkdir -p "$(dirname "$KUBECONFIG")"',
      whenMissing ? `if ! ${fetch}; then
  echo "${whenMissing}" >&2
  exit 1
fi` : fetch,
      ...(tunnelled(context)
        ? ["# The job's tools reach the API through kubeone proxy.", `kubectl config set-cluster "$(kubectl config view -o jsonpath='{.clusters[0].name}')" --proxy-url=http://${KUBEONE_PROXY}`]
        : []),
    ].join("\n"),
  );
}

/** The steps that give a job the cluster: the stack's outputs, the tunnel, then the kubeconfig KubeOne fetches. */
const clusterAccess = (context: JobContext): Step[] => [outputsStep(context.env), ...tunnelSteps(context), kubeconfigStep(context)];

export function validate(context: JobContext): Job {
  const bucket = context.source.stateInBucket;
  return chained(context, {
    id: "terraform-kkp-validate",
    title: `Validate the ${bucket ? "state, " : ""}CI and cluster stacks`,
    description: `project tests, generated-files check, cdktf synth, terraform validate of the ${bucket ? "state, " : ""}CI and cluster stacks`,
    triggers: ["change-request", "main"],
    needs: [],
    tools: ["node", "terraform"],
    cloudLogin: false,
    sshAgent: false,
    steps: [
      step("Test", "npm test"),
      step("Check the generated repository files", "npx tsx scripts/render.ts --check"),
      synth,
      validateStep([...(bucket ? [stackIds.state] : []), stackIds.ci, stackIds.cluster(context.env.name)]),
    ],
  });
}

export function validateDns(context: JobContext): Job {
  return chained(context, {
    id: "terraform-kkp-dns-validate",
    title: "Validate the DNS stack",
    description: "cdktf synth, terraform validate of the DNS stack",
    triggers: ["change-request", "main"],
    needs: [],
    tools: ["node", "terraform"],
    cloudLogin: false,
    sshAgent: false,
    steps: [synth, validateStep([stackIds.dns(context.env.name)])],
  });
}

/**
 * Only where the state lives in a bucket (GitLab keeps it itself) and in the first environment. It writes the
 * bucket, so it runs in the environment, as its apply identity.
 */
export function prepareBackend(context: JobContext): Job[] {
  if (!preparesBackend(context)) return [];
  return [
    deployJob(context, {
      id: "terraform-backend-prepare",
      title: "Prepare the state backend",
      description: "create or update the state bucket; idempotent",
      needs: ["terraform-kkp-validate", "terraform-kkp-dns-validate"],
      onlyIfChanged: ["infrastructure"],
      tools: ["node", "terraform"],
      sshAgent: false,
      steps: [synth, step("Create or update the state bucket", "bash scripts/bootstrap-state.sh")],
    }),
  ];
}

export function plan(context: JobContext): Job {
  const { env } = context;
  return chained(context, {
    id: "terraform-plan",
    title: "Plan the cluster stack",
    description: "terraform plan against the stored state; the saved plan is what apply applies",
    triggers: ["change-request", "main"],
    // The bucket exists before any pipeline runs (the admin bootstraps it for the identity stack), so the plan, read-only,
    // does not wait for the environment's approval of backend-prepare.
    needs: ["terraform-kkp-validate", "terraform-kkp-dns-validate"],
    onlyIfChanged: ["infrastructure"],
    tools: ["node", "terraform"],
    cloudLogin: true,
    sshAgent: false,
    steps: [synth, planStep(stackIds.cluster(env.name))],
    report: PLAN_REPORT,
    uploads: { ...planArtifact(env), exclude: [".terraform"] },
  });
}

export function apply(context: JobContext): Job {
  const stack = stackIds.cluster(context.env.name);
  return deployJob(context, {
    id: "terraform-apply",
    title: "Apply the saved plan",
    description: "apply exactly the plan the plan job saved",
    needs: ["terraform-plan", ...backendPrepared(context)],
    onlyIfChanged: ["infrastructure"],
    tools: ["terraform"],
    sshAgent: false,
    downloads: planArtifact(context.env),
    steps: [step("Apply", `${terraform(stack, `init ${TERRAFORM_FLAGS}`)}\n${terraform(stack, `apply ${TERRAFORM_FLAGS} ${PLAN_FILE}`)}`)],
  });
}

export function kubeoneApply(context: JobContext): Job {
  const bucket = context.env.etcdBackupBucket;
  const backups = bucket ? context.source.cloud.etcdBackupRepository(bucket) : undefined;
  return deployJob(context, {
    // The backups addon's repository, read by its `env:` parameters.
    ...(backups ? { env: { [ETCD_BACKUP_VARIABLES.repository]: backups.repository, [ETCD_BACKUP_VARIABLES.region]: backups.region } } : {}),
    id: "kubeone-apply",
    title: "Provision Kubernetes with KubeOne",
    description: "kubeone apply with the cluster stack's outputs",
    // A change to kubeone/ alone skips Terraform but not KubeOne.
    needs: ["terraform-kkp-validate"],
    after: ["terraform-apply"],
    onlyIfChanged: ["infrastructure", "kubeone"],
    // kubectl for the upgrade guard, which reads the running API server's version; restic keeps the encryption key.
    tools: ["node", "terraform", "kubeone", "kubectl", ...(backups ? (["restic"] as const) : [])],
    sshAgent: true,
    steps: [
      synth,
      outputsStep(context.env),
      ...tunnelSteps(context),
      step(
        "Refuse an upgrade that skips a Kubernetes minor",
        `${tunnelled(context) ? `KKP_API_PROXY=http://${KUBEONE_PROXY} ` : ""}npx tsx scripts/upgrade-guard.ts kubernetes ${context.source.config.kubernetes.version} tf.json`,
      ),
      // The backups addon reads its password and repository from the environment (its `env:` parameters).
      step("kubeone apply", kubeoneApplyScript(), backups ? [SECRETS.kubeoneCredentials, ETCD_BACKUP_PASSWORD] : [SECRETS.kubeoneCredentials]),
      // The addon backs up etcd and the CAs, not the key etcd's Secrets are encrypted with: kept beside them.
      ...(backups
        ? [step("Keep the encryption key with the backups", [...credentialsFile(), `bash scripts/keep-encryption-key.sh tf.json "$credentials"`].join("\n"), [SECRETS.kubeoneCredentials, ETCD_BACKUP_PASSWORD])]
        : []),
      ...closeSteps(context),
    ],
  });
}

/**
 * KubeOne 1.14 checks the control plane's certificates on every apply and, when they expire within 90 days, only
 * warns unless run with `--force-upgrade` (pkg/tasks/certs.go: renewControlPlaneCerts); kubeadm's certificates
 * last a year. So an apply that brings the warning is followed by the one that renews them.
 */
export function kubeoneApplyScript(): string {
  const apply = `kubeone apply --manifest ${REPOSITORY_PATHS.kubeoneManifest} --tfjson tf.json --credentials "$credentials" --auto-approve`;
  return [
    ...credentialsFile(),
    'log="$private/log"',
    `${apply} 2>&1 | tee "$log"`,
    `if grep -q "${KUBEONE_CERTIFICATES_EXPIRING}" "$log"; then`,
    '  echo "The control plane\'s certificates expire within 90 days: renewing them with kubeone apply --force-upgrade." >&2',
    `  ${apply} --force-upgrade`,
    "fi",
  ].join("\n");
}

/** KUBEONE_CREDENTIALS written to `$credentials`, in a directory only this user reads, removed when the step ends. */
function credentialsFile(): string[] {
  return [
    'private="$(mktemp -d)"',
    'credentials="$private/credentials"',
    'trap \'rm -rf "$private"\' EXIT',
    '(umask 077 && printf \'%s\\n\' "$KUBEONE_CREDENTIALS" > "$credentials")',
  ];
}

/** What KubeOne 1.14 logs (sic) when the control plane's certificates expire within 90 days. */
export const KUBEONE_CERTIFICATES_EXPIRING = "control-plane certificates are about to expire in less then 90 days";

export function kkpDeploy(context: JobContext): Job {
  const { source, env } = context;
  const { config } = source;
  // The files of the Secrets this job writes from CI secrets, as [key in the Secret, CI secret]: KKP's names for the
  // backup key (pkg/resources: ACCESS_KEY_ID, SECRET_ACCESS_KEY), Alertmanager's for its receivers.
  const backupKeys: Array<readonly [string, Secret]> = env.userClusterBackupBucket
    ? [["ACCESS_KEY_ID", USER_CLUSTER_BACKUP_SECRETS.accessKeyId], ["SECRET_ACCESS_KEY", USER_CLUSTER_BACKUP_SECRETS.secretAccessKey]]
    : [];
  const alertKeys = config.kkp.alerting ? alertingSecrets(config.kkp.alerting) : [];
  const gateway = gatewayApi(config);
  const installer = `kubermatic-installer deploy --config "$filled/kubermatic.yaml" --helm-values "$filled/values.yaml" --storageclass ${source.cloud.storageClass} --charts-directory "${KKP_CHARTS}" --kubeconfig "$KUBECONFIG"`;
  return deployJob(context, {
    id: "kkp-deploy",
    title: "Install KKP",
    description: "kubermatic-installer deploy with the generated configuration",
    // A change to kubermatic/ alone runs from here on.
    needs: ["terraform-kkp-validate"],
    after: ["kubeone-apply"],
    tools: ["node", "terraform", "kubeone", "kubectl", "helm", "kubermatic-installer"],
    sshAgent: true,
    steps: [
      synth,
      ...clusterAccess(context),
      step("Refuse an upgrade that skips a KKP minor", `npx tsx scripts/upgrade-guard.ts kkp ${config.pipeline.tools.kubermatic}`),
      step(
        "Create the secrets KKP needs",
        [
          seedKubeconfigSecret(tunnelled(context)),
          ...(backupKeys.length > 0
            ? ["# The key the Seed's backup destination names, for KKP's user-cluster etcd backups.", applySecretFromEnv(USER_CLUSTER_BACKUP_SECRET.namespace, USER_CLUSTER_BACKUP_SECRET.name, backupKeys)]
            : []),
          ...(alertKeys.length > 0
            ? ["# The alert receivers' credentials, which Alertmanager mounts; its configuration names only their files.", applySecretFromEnv("monitoring", ALERT_RECEIVERS_SECRET, alertKeys)]
            : []),
          ...(config.kkp.monitoring
            ? ["# Grafana's Dex client secret, read by the Grafana Flux delivers.", applySecretFromEnv("monitoring", GRAFANA_OAUTH_SECRET, [["GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", GRAFANA_CLIENT_SECRET]])]
            : []),
        ].join("\n"),
        nonEmpty([...[...backupKeys, ...alertKeys].map(([, secret]) => secret), ...(config.kkp.monitoring ? [GRAFANA_CLIENT_SECRET] : [])]),
      ),
      step(
        "kubermatic-installer deploy",
        [
          "# The committed files hold ${NAME} placeholders; fill them from CI secrets in a private directory.",
          'filled="$(mktemp -d)"',
          'trap \'rm -rf "$filled"\' EXIT',
          `npx tsx scripts/fill-secrets.ts ${REPOSITORY_PATHS.kkpConfiguration(env.name)} "$filled/kubermatic.yaml"`,
          `npx tsx scripts/fill-secrets.ts ${REPOSITORY_PATHS.kkpValues(env.name)} "$filled/values.yaml"`,
          ...(gateway
            ? [
                "# An installation moving from nginx-ingress keeps it serving until DNS points at the Gateway, then removes it.",
                `cutover="$(npx tsx scripts/upgrade-guard.ts ingress-cutover ${env.domain})"`,
                `${installer} \${cutover:+"$cutover"}`,
              ]
            : [installer]),
        ].join("\n"),
        installerSecrets(config),
      ),
      step(
        "Apply the certificate issuer",
        [
          "# The installer has installed cert-manager and KKP's Gateway, whose certificate waits for this issuer: apply it now",
          "# instead of when Flux first reconciles (Flux takes the object over, unchanged, from its own copy of the file).",
          "kubectl wait --for condition=established --timeout=5m crd/clusterissuers.cert-manager.io",
          // Flux owns the object once it has applied it; this newer commit's issuer takes those fields back until Flux follows.
          `kubectl apply --server-side --force-conflicts --field-manager=kkp-deploy -f ${clusterIssuerPath(env)}`,
        ].join("\n"),
      ),
      ...closeSteps(context),
    ],
  });
}

/**
 * The Seed's kubeconfig Secret, which the Seed Flux delivers names: KKP's own `kubermatic-installer
 * convert-kubeconfig` gives the job's kubeconfig a ServiceAccount token (ServiceAccount `kube-system/kubermatic`,
 * cluster-admin, a token Secret that does not expire), where the admin client certificate KubeOne hands out lapses
 * after a year and KKP would lose its seed. Stored with that context only and without the job's proxy.
 */
export function seedKubeconfigSecret(tunnelled: boolean): string {
  const inSeed = 'kubectl --kubeconfig "$seed/kubeconfig"';
  return [
    "# The seed's kubeconfig: a ServiceAccount token, not the admin certificate, which expires after a year.",
    "(",
    "  umask 077",
    '  seed="$(mktemp -d)"',
    "  trap 'rm -rf \"$seed\"' EXIT",
    '  cp "$KUBECONFIG" "$seed/converted"',
    '  kubermatic-installer convert-kubeconfig --in-place "$seed/converted"',
    '  kubectl --kubeconfig "$seed/converted" config view --minify --flatten --raw > "$seed/kubeconfig"',
    ...(tunnelled ? [`  ${inSeed} config unset "clusters.$(${inSeed} config view -o jsonpath='{.clusters[0].name}').proxy-url" > /dev/null`] : []),
    `  certificates="$(${inSeed} config view --raw -o jsonpath='{.users[*].user.client-certificate-data}{.users[*].user.client-key-data}{.users[*].user.client-certificate}{.users[*].user.client-key}')"`,
    `  if [ -n "$certificates" ]; then echo "convert-kubeconfig left a client certificate in the seed's kubeconfig" >&2; exit 1; fi`,
    ...applySecret("kubermatic", "kubeconfig-kubermatic", [["kubeconfig", '"$seed/kubeconfig"']])
      .split("\n")
      .map((line) => `  ${line}`),
    ")",
  ].join("\n");
}

/** `flux bootstrap` for the git host, skipped once the environment's flux-system directory is committed. */
export function fluxBootstrap(context: JobContext): Job {
  const { source, env, shape } = context;
  const presetSecrets = source.cloud.presetSecrets;
  const path = REPOSITORY_PATHS.fluxCluster(env.name);
  const bootstrap = source.ci.fluxBootstrap(path, MAIN_BRANCH);
  return deployJob(context, {
    id: "flux-bootstrap",
    title: "Bootstrap Flux",
    description: "flux bootstrap for the environment's path; skipped when bootstrapped with the configured Flux",
    needs: ["terraform-kkp-validate"],
    after: shape.fluxBootstrapAfter,
    tools: ["node", "terraform", "kubeone", "kubectl", "flux"],
    sshAgent: true,
    steps: [
      synth,
      ...clusterAccess(context),
      step(
        "Create the secrets Flux reads",
        [
          "# The Preset's cloud credentials; the Flux tree holds only ${NAME} placeholders for them.",
          applySecretFromEnv("flux-system", PRESET_CREDENTIALS_SECRET, presetSecrets.map((secret) => [secret.name, secret])),
          "# The token Flux reports commit statuses and dispatches with: not bootstrap's, which can administer the repository.",
          applySecretFromEnv("flux-system", NOTIFICATION_TOKEN_SECRET, [["token", SECRETS.fluxNotifyToken]]),
        ].join("\n"),
        [...presetSecrets, SECRETS.fluxNotifyToken],
      ),
      step(
        "flux bootstrap",
        [
          // Bootstrap writes its version into gotk-components.yaml (pkg/manifestgen/install); running it again with a
          // newer CLI upgrades the controllers in git, and Flux then upgrades itself.
          `if grep -qx '# Flux Version: v${source.config.pipeline.tools.flux}' ${path}/flux-system/gotk-components.yaml 2>/dev/null; then`,
          `  echo "Flux ${source.config.pipeline.tools.flux} is bootstrapped for ${env.name} (${path}/flux-system is committed); it manages itself from here."`,
          `  exit 0`,
          `fi`,
          bootstrap.script,
        ].join("\n"),
        [bootstrap.secret],
      ),
      ...closeSteps(context),
    ],
  });
}

export function dnsUpdate(context: JobContext): Job {
  return deployJob(context, {
    id: "dns-update",
    title: "Point DNS at KKP",
    description: "read the LoadBalancer addresses from the cluster and apply the DNS stack",
    // nodeport-proxy exists only once the operator sees a Seed, and Flux delivers the Seed.
    needs: ["terraform-kkp-validate"],
    after: ["flux-bootstrap"],
    tools: ["node", "terraform", "kubeone", "kubectl"],
    sshAgent: true,
    steps: [
      synth,
      ...clusterAccess(context),
      step("Apply the DNS stack", dnsUpdateScript(stackIds.dns(context.env.name), gatewayApi(context.source.config))),
      ...closeSteps(context),
    ],
  });
}

const SERVICE_ADDRESS = "-o jsonpath='{.status.loadBalancer.ingress[0].hostname}{.status.loadBalancer.ingress[0].ip}'";

/**
 * Where each DNS target's address is read. KKP 2.31's entry is the Gateway `kubermatic/kubermatic`: Envoy Gateway
 * names its LoadBalancer service with a hash, so the address is read from the Gateway's status, as the installer does.
 */
function dnsTargetLookups(gateway: boolean): Record<DnsTargetService, { what: string; command: string }> {
  return {
    ingress: gateway
      ? { what: `Gateway ${KKP_GATEWAY.namespace}/${KKP_GATEWAY.name}`, command: `kubectl -n ${KKP_GATEWAY.namespace} get gateway ${KKP_GATEWAY.name} -o jsonpath='${GATEWAY_ADDRESS_JSONPATH}'` }
      : { what: `service ${LEGACY_NGINX}/${LEGACY_NGINX}`, command: `kubectl -n ${LEGACY_NGINX} get service ${LEGACY_NGINX} ${SERVICE_ADDRESS}` },
    nodeportProxy: { what: "service kubermatic/nodeport-proxy", command: `kubectl -n kubermatic get service nodeport-proxy ${SERVICE_ADDRESS}` },
  };
}

/** Waits for both LoadBalancers to have an address (host name on AWS, IP on GCP), then applies DNS. */
function dnsUpdateScript(dnsStack: string, gateway: boolean): string {
  const sources = dnsTargetLookups(gateway);
  const lookups = (Object.keys(DNS_TARGET_VARIABLES) as DnsTargetService[]).map((target) => {
    const { name } = DNS_TARGET_VARIABLES[target];
    const { what, command } = sources[target];
    return [
      `${name}=""`,
      `for attempt in $(seq 120); do`,
      `  ${name}=$(${command} 2>/dev/null || true)`,
      `  [ -n "$${name}" ] && break`,
      `  sleep 10`,
      `done`,
      `[ -n "$${name}" ] || { echo "${what} has no external address after 20 minutes" >&2; exit 1; }`,
    ].join("\n");
  });
  const vars = Object.values(DNS_TARGET_VARIABLES)
    .map(({ name }) => `-var "${name}=$${name}"`)
    .join(" ");
  return [...lookups, terraform(dnsStack, `init ${TERRAFORM_FLAGS}`), terraform(dnsStack, `apply ${TERRAFORM_FLAGS} -auto-approve ${vars}`)].join("\n");
}

/** The next environment's plan, for the reviewers of its deploy tag; nothing when this is the last environment. */
export function planNext(context: JobContext): Job[] {
  const { next } = context;
  if (!next) return [];
  return [
    chained(context, {
      id: "terraform-plan-next",
      title: `Plan ${next.name}`,
      description: `plan the next environment's cluster stack, for the reviewers of its deploy tag`,
      triggers: ["main"],
      needs: ["terraform-kkp-validate"],
      after: ["dns-update"],
      onlyIfChanged: ["infrastructure"],
      tools: ["node", "terraform"],
      cloudLogin: true,
      sshAgent: false,
      steps: [synth, planStep(stackIds.cluster(next.name))],
      report: PLAN_REPORT,
    }),
  ];
}

/** A later environment's first job: resolve the deploy tag, refuse it unless the previous environment runs it healthily. */
export function promotionCheck({ env, shape }: JobContext): Job {
  const previous = shape.previous!.name;
  return {
    id: "promotion-check",
    title: `Check that ${previous} runs this commit healthily`,
    description: `refuse the deploy tag unless every Flux part of ${previous} reported success on the tagged commit`,
    triggers: ["deploy-tag"],
    needs: [],
    tools: ["node"],
    cloudLogin: false,
    sshAgent: false,
    repositoryApi: ["read-statuses"],
    outputs: [{ name: "sha", step: "check" }],
    steps: [
      {
        id: "check",
        name: "Resolve the tag, check it is merged and the previous environment's health",
        run: `npx tsx scripts/promotion.ts check-tag ${env.name}`,
      },
    ],
  };
}

/** A later environment's hand-over to Flux: its branch moves to the tagged commit once the cluster runs it. */
export function fluxSourceUpdate({ env, source }: JobContext): Job {
  const branch = fluxBranch(env);
  if (!source.ci.moveDeployBranch) throw new Error(`the CI system cannot move ${branch}: it does not promote between environments`);
  return {
    id: "flux-source-update",
    title: `Hand ${env.name} to Flux`,
    description: `move ${branch}, the branch Flux in ${env.name} delivers from, to the tagged commit`,
    triggers: ["deploy-tag"],
    needs: ["promotion-check", "kkp-deploy"],
    environment: env.name,
    tools: ["node"],
    cloudLogin: false,
    sshAgent: false,
    steps: [source.ci.moveDeployBranch(branch)],
  };
}

/**
 * Tears the environment down (scripts/teardown.sh): the confirmation first, then through the cluster what KKP and
 * Kubernetes created in the cloud, `kubeone reset`, and, with the tunnel closed, the DNS and cluster stacks. The
 * state stays. No event starts it: an admin does, with the environment's name as confirmation.
 */
export function teardown(context: JobContext): Job {
  const { env } = context;
  const destroyInputs = Object.values(DNS_TARGET_VARIABLES).map(({ name }) => `TF_VAR_${name}=destroyed`);
  return {
    id: "teardown",
    title: `Tear ${env.name} down`,
    description: "remove KKP's user clusters, the cluster's load balancers, volumes and workers (kubeone reset), then destroy the DNS and cluster stacks; the state stays",
    triggers: [],
    needs: [],
    environment: env.name,
    cloudLogin: true,
    tools: ["node", "terraform", "kubeone", "kubectl"],
    sshAgent: true,
    env: { KUBECONFIG },
    // KKP's user clusters may take 45 minutes to go (scripts/teardown.sh), KubeOne's reset and the destroys more.
    timeoutMinutes: 120,
    steps: [
      step("Confirm", `bash scripts/teardown.sh confirm ${env.name}`),
      synth,
      outputsStep(env),
      ...tunnelSteps(context),
      kubeconfigStep(
        context,
        "The cluster's kubeconfig cannot be fetched. If an earlier teardown ran kubeone reset already, only the stacks are left: destroy them by hand (README, tearing an environment down).",
      ),
      step(
        "Remove KKP's user clusters, then reset the cluster",
        `KUBEONE_MANIFEST=${REPOSITORY_PATHS.kubeoneManifest} bash scripts/teardown.sh cluster ${env.name}`,
        [SECRETS.kubeoneCredentials],
      ),
      ...closeSteps(context),
      step(
        "Destroy the DNS and cluster stacks",
        `${destroyInputs.join(" ")} bash scripts/teardown.sh stacks ${env.name} ${stackDir(stackIds.dns(env.name))} ${stackDir(stackIds.cluster(env.name))}`,
      ),
    ],
  };
}
