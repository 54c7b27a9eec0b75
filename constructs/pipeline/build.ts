/**
 * Builds the delivery pipeline (DESIGN.md §2) from the configuration: the nine jobs, their order and triggers,
 * and their commands. Everything CI-specific is left to the renderers; the one CI-specific command, flux
 * bootstrap, is chosen here from `ci.provider` because it is a command, not syntax.
 */
import type { EnvironmentConfig, KkpConfig } from "../../config/resolve";
import { DNS_TARGET_VARIABLES } from "../../stacks/dns-stack";
import { stackIds } from "../../stacks/ids";
import { installerSecrets } from "../content/kubermatic";
import { stateInGitlab } from "../gitlab/state-store";
import { REPOSITORY_PATHS } from "../content/paths";
import { GRAFANA_OAUTH_SECRET, NOTIFICATION_TOKEN_SECRET, PRESET_CREDENTIALS_SECRET } from "../content/flux";
import { deployTagPattern, fluxBranch } from "./promotion";
import { MAIN_BRANCH, TOOLS_HOME, type CloudLogin, type Job, type JobId, type Pipeline, type Secret, type Step } from "./model";
import { CLOUD_KEY_SECRETS, FLUX_BOOTSTRAP_SECRETS, GRAFANA_CLIENT_SECRET, PRESET_SECRETS, SECRETS } from "./secrets";


/** The infrastructure code and its inputs. */
const INFRASTRUCTURE_PATHS = [
  "main.ts",
  "cdktf.json",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "config/**",
  "constructs/**",
  "stacks/**",
  "scripts/**",
  "examples/**",
];

/** Where each CI system keeps its pipeline definition; a change there re-runs everything. */
const CI_DEFINITION: Record<KkpConfig["ci"]["provider"], readonly string[]> = {
  github: [".github/**"],
  gitlab: [".gitlab-ci.yml"],
  bitbucket: ["bitbucket-pipelines.yml"],
};

const TERRAFORM_FLAGS = "-input=false -lock-timeout=5m";
const PLAN_FILE = "plan.tfplan";
const PLAN_REPORT = "plan-summary.md";
/** The kubeconfig of the cluster, inside the (throw-away) checkout; KUBECONFIG points every tool at it. */
const KUBECONFIG = ".kkp/kubeconfig";
/** Where the KKP release's charts are installed by scripts/install-tools.sh. */
const KKP_CHARTS = `$HOME/${TOOLS_HOME}/kubermatic/charts`;

export interface PipelineSource {
  readonly config: KkpConfig;
  /** The configuration file, relative to the repository root: the pipeline synthesizes from exactly this file. */
  readonly configFile: string;
}

/** One pipeline per environment, in promotion order. */
export function buildPipelines(source: PipelineSource): Pipeline[] {
  return source.config.environments.map((env) => buildPipeline(source, env.index));
}

/**
 * The pipeline of one environment. The first runs on change requests and pushes to main and ends by planning
 * the next; every later one runs on its deploy tags, behind the promotion check, and ends by moving the branch
 * its Flux follows to the tagged commit.
 */
export function buildPipeline({ config, configFile }: PipelineSource, index = 0): Pipeline {
  const env = config.environments[index];
  const next = config.environments[index + 1];
  // GitLab keeps the state itself (its managed HTTP backend): no bucket, so no state stack and no backend-prepare.
  const bucketState = !stateInGitlab(config);
  const clusterStack = stackIds.cluster(env.name);
  const dnsStack = stackIds.dns(env.name);
  const stackDir = (id: string) => `cdktf.out/stacks/${id}`;
  const tf = (id: string, args: string) => `terraform -chdir=${stackDir(id)} ${args}`;
  const synth = step("Synthesize the stacks", "npx cdktf synth");
  const planStep = (stack: string) =>
    step(
      "Plan",
      [
        tf(stack, `init ${TERRAFORM_FLAGS}`),
        tf(stack, `plan ${TERRAFORM_FLAGS} -out=${PLAN_FILE}`),
        `${tf(stack, `show -json ${PLAN_FILE}`)} > plan.json`,
        `npx tsx scripts/plan-summary.ts ${stack} plan.json > ${PLAN_REPORT}`,
      ].join("\n"),
    );
  const validate = (ids: string[]) =>
    step(
      "Validate",
      ids.map((id) => `${tf(id, "init -backend=false -input=false")}\n${tf(id, "validate")}`).join("\n"),
    );

  const clusterAccess: Step[] = [
    step("Read the cluster stack's outputs", `${tf(clusterStack, `init ${TERRAFORM_FLAGS}`)}\n${tf(clusterStack, "output -json")} > tf.json`),
    step(
      "Fetch the kubeconfig",
      `mkdir -p "$(dirname "$KUBECONFIG")"\n(umask 077 && kubeone kubeconfig --manifest ${REPOSITORY_PATHS.kubeoneManifest} --tfjson tf.json > "$KUBECONFIG")`,
    ),
  ];
  const deployJob = (job: Omit<Job, "triggers" | "environment" | "cloudLogin">): Job => ({
    ...job,
    triggers: ["main"],
    environment: env.name,
    cloudLogin: true,
    ...(job.steps.includes(clusterAccess[1]) ? { env: { KUBECONFIG } } : {}),
  });

  const jobs: Job[] = [
    {
      id: "terraform-kkp-validate",
      title: `Validate the ${bucketState ? "state, " : ""}CI and cluster stacks`,
      description: `project tests, generated-files check, cdktf synth, terraform validate of the ${bucketState ? "state, " : ""}CI and cluster stacks`,
      triggers: ["change-request", "main"],
      needs: [],
      tools: ["node", "terraform"],
      cloudLogin: false,
      sshAgent: false,
      steps: [
        step("Test", "npm test"),
        step("Check the generated repository files", "npx tsx scripts/render.ts --check"),
        synth,
        validate([...(bucketState ? [stackIds.state] : []), stackIds.ci, clusterStack]),
      ],
    },
    {
      id: "terraform-kkp-dns-validate",
      title: "Validate the DNS stack",
      description: "cdktf synth, terraform validate of the DNS stack",
      triggers: ["change-request", "main"],
      needs: [],
      tools: ["node", "terraform"],
      cloudLogin: false,
      sshAgent: false,
      steps: [synth, validate([dnsStack])],
    },
    {
      id: "terraform-backend-prepare",
      title: "Prepare the state backend",
      description: "create or update the state bucket; idempotent",
      triggers: ["main"],
      needs: ["terraform-kkp-validate", "terraform-kkp-dns-validate"],
      onlyIfChanged: ["infrastructure"],
      tools: ["node", "terraform"],
      cloudLogin: true,
      sshAgent: false,
      steps: [synth, step("Create or update the state bucket", "bash scripts/bootstrap-state.sh")],
    },
    {
      id: "terraform-plan",
      title: "Plan the cluster stack",
      description: "terraform plan against the stored state; the saved plan is what apply applies",
      triggers: ["change-request", "main"],
      needs: ["terraform-kkp-validate", "terraform-kkp-dns-validate"],
      after: ["terraform-backend-prepare"],
      onlyIfChanged: ["infrastructure"],
      tools: ["node", "terraform"],
      cloudLogin: true,
      sshAgent: false,
      steps: [synth, planStep(clusterStack)],
      report: PLAN_REPORT,
      uploads: { name: `plan-${env.name}`, directory: stackDir(clusterStack), exclude: [".terraform"] },
    },
    deployJob({
      id: "terraform-apply",
      title: "Apply the saved plan",
      description: "apply exactly the plan the plan job saved",
      needs: ["terraform-plan", "terraform-backend-prepare"],
      onlyIfChanged: ["infrastructure"],
      tools: ["terraform"],
      sshAgent: false,
      downloads: { name: `plan-${env.name}`, directory: stackDir(clusterStack) },
      steps: [step("Apply", `${tf(clusterStack, `init ${TERRAFORM_FLAGS}`)}\n${tf(clusterStack, `apply ${TERRAFORM_FLAGS} ${PLAN_FILE}`)}`)],
    }),
    deployJob({
      id: "kubeone-apply",
      title: "Provision Kubernetes with KubeOne",
      description: "kubeone apply with the cluster stack's outputs",
      // A change to kubeone/ alone skips Terraform but not KubeOne.
      needs: ["terraform-kkp-validate"],
      after: ["terraform-apply"],
      onlyIfChanged: ["infrastructure", "kubeone"],
      tools: ["node", "terraform", "kubeone"],
      sshAgent: true,
      steps: [
        synth,
        clusterAccess[0],
        step(
          "kubeone apply",
          [
            'credentials="$(mktemp)"',
            'trap \'rm -f "$credentials"\' EXIT',
            'printf \'%s\\n\' "$KUBEONE_CREDENTIALS" > "$credentials"',
            `kubeone apply --manifest ${REPOSITORY_PATHS.kubeoneManifest} --tfjson tf.json --credentials "$credentials" --auto-approve`,
          ].join("\n"),
          [SECRETS.kubeoneCredentials],
        ),
      ],
    }),
    deployJob({
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
        ...clusterAccess,
        step(
          "Create the secrets KKP needs",
          [
            "# The seed's kubeconfig, referenced by the Seed object Flux delivers.",
            applySecret("kubermatic", "kubeconfig-kubermatic", [["kubeconfig", '"$KUBECONFIG"']]),
            ...(config.kkp.monitoring
              ? ["# Grafana's Dex client secret, read by the Grafana Flux delivers.", applySecretFromEnv("monitoring", GRAFANA_OAUTH_SECRET, [["GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET", GRAFANA_CLIENT_SECRET]])]
              : []),
          ].join("\n"),
          config.kkp.monitoring ? [GRAFANA_CLIENT_SECRET] : undefined,
        ),
        step(
          "kubermatic-installer deploy",
          [
            "# The committed files hold ${NAME} placeholders; fill them from CI secrets in a private directory.",
            'filled="$(mktemp -d)"',
            'trap \'rm -rf "$filled"\' EXIT',
            `npx tsx scripts/fill-secrets.ts ${REPOSITORY_PATHS.kkpConfiguration(env.name)} "$filled/kubermatic.yaml"`,
            `npx tsx scripts/fill-secrets.ts ${REPOSITORY_PATHS.kkpValues(env.name)} "$filled/values.yaml"`,
            `kubermatic-installer deploy --config "$filled/kubermatic.yaml" --helm-values "$filled/values.yaml" --storageclass ${storageClass(config)} --charts-directory "${KKP_CHARTS}" --kubeconfig "$KUBECONFIG"`,
          ].join("\n"),
          installerSecrets(config),
        ),
      ],
    }),
    deployJob({
      id: "flux-bootstrap",
      title: "Bootstrap Flux",
      description: "flux bootstrap for the environment's path; skipped when already bootstrapped",
      needs: ["terraform-kkp-validate"],
      after: ["kkp-deploy"],
      tools: ["node", "terraform", "kubeone", "kubectl", "flux"],
      sshAgent: true,
      steps: [
        synth,
        ...clusterAccess,
        step(
          "Create the secrets Flux reads",
          [
            "# The Preset's cloud credentials; the Flux tree holds only ${NAME} placeholders for them.",
            applySecretFromEnv("flux-system", PRESET_CREDENTIALS_SECRET, PRESET_SECRETS[config.cloud.provider].map((secret) => [secret.name, secret])),
            "# The token Flux reports commit statuses and dispatches with: not bootstrap's, which can administer the repository.",
            applySecretFromEnv("flux-system", NOTIFICATION_TOKEN_SECRET, [["token", SECRETS.fluxNotifyToken]]),
          ].join("\n"),
          [...PRESET_SECRETS[config.cloud.provider], SECRETS.fluxNotifyToken],
        ),
        step("flux bootstrap", fluxBootstrapScript(config, env), [FLUX_BOOTSTRAP_SECRETS[config.ci.provider]]),
      ],
    }),
    deployJob({
      id: "dns-update",
      title: "Point DNS at KKP",
      description: "read the LoadBalancer addresses from the cluster and apply the DNS stack",
      // nodeport-proxy exists only once the operator sees a Seed, and Flux delivers the Seed.
      needs: ["terraform-kkp-validate"],
      after: ["flux-bootstrap"],
      tools: ["node", "terraform", "kubeone", "kubectl"],
      sshAgent: true,
      steps: [synth, ...clusterAccess, step("Apply the DNS stack", dnsUpdateScript(dnsStack, tf))],
    }),
  ];

  if (!bucketState) withoutJob(jobs, "terraform-backend-prepare");
  if (next) {
    const nextStack = stackIds.cluster(next.name);
    jobs.push({
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
      steps: [synth, planStep(nextStack)],
      report: PLAN_REPORT,
    });
  }
  if (index > 0) promoted(jobs, env, config.environments[index - 1].name);

  const cloud = cloudLogin(config);
  const jobSecrets = jobs.flatMap((job) => [...(job.sshAgent ? [SECRETS.sshPrivateKey] : []), ...job.steps.flatMap((s) => s.secrets ?? [])]);
  const secrets = [...new Map([...jobSecrets, ...(cloud.method === "static-keys" ? CLOUD_KEY_SECRETS[cloud.provider] : [])].map((s) => [s.name, s])).values()];

  return {
    name: config.name,
    mainBranch: MAIN_BRANCH,
    changeSets: {
      infrastructure: [...INFRASTRUCTURE_PATHS, configFile, ...CI_DEFINITION[config.ci.provider]],
      kubeone: ["kubeone/**"],
      kubermatic: ["kubermatic/**"],
    },
    changeDetector: "terraform-kkp-validate",
    environment: env.name,
    ...(index > 0 ? { deployTag: { pattern: deployTagPattern(env.name), commit: { job: "promotion-check", output: "sha" } } } : {}),
    runner: config.pipeline.runner,
    tools: config.pipeline.tools,
    cloud,
    secrets,
    env: { KKP_CONFIG: configFile, CHECKPOINT_DISABLE: "1" },
    jobs,
  };
}

/** Drops a job, and every other job's dependency on it. */
function withoutJob(jobs: Job[], id: JobId): void {
  const index = jobs.findIndex((job) => job.id === id);
  if (index < 0) return;
  jobs.splice(index, 1);
  for (const [i, job] of jobs.entries()) {
    jobs[i] = { ...job, needs: job.needs.filter((n) => n !== id), ...(job.after ? { after: job.after.filter((a) => a !== id) } : {}) };
  }
}

/**
 * Turns the first environment's jobs into a later environment's: every job runs for a deploy tag only (the
 * whole chain, for exactly the tagged commit), after the promotion check that resolved the tag. Flux's branch
 * moves to the commit once the cluster runs it, before Flux is bootstrapped and DNS waits for what Flux delivers.
 */
function promoted(jobs: Job[], env: EnvironmentConfig, previous: string): void {
  for (const [i, job] of jobs.entries()) {
    const { onlyIfChanged: _, ...rest } = job;
    const after = job.id === "flux-bootstrap" ? ["flux-source-update" as const] : job.after;
    jobs[i] = { ...rest, triggers: ["deploy-tag"], needs: ["promotion-check", ...job.needs], ...(after ? { after } : {}) };
  }
  jobs.unshift({
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
  });
  const branch = fluxBranch(env);
  jobs.splice(jobs.findIndex((job) => job.id === "flux-bootstrap"), 0, {
    id: "flux-source-update",
    title: `Hand ${env.name} to Flux`,
    description: `move ${branch}, the branch Flux in ${env.name} delivers from, to the tagged commit`,
    triggers: ["deploy-tag"],
    needs: ["promotion-check", "kkp-deploy"],
    environment: env.name,
    tools: ["node"],
    cloudLogin: false,
    sshAgent: false,
    repositoryApi: ["write-refs"],
    steps: [step(`Move ${branch} to the tagged commit`, `npx tsx scripts/promotion.ts move-branch ${branch} "$(git rev-parse HEAD)"`)],
  });
}

/**
 * Creates or updates a Secret without a value ever reaching a command line: each key is read from a file
 * (`--from-file`), and `kubectl apply` makes a re-run converge instead of failing on "already exists".
 */
function applySecret(namespace: string, name: string, files: ReadonlyArray<readonly [key: string, file: string]>): string {
  const from = files.map(([key, file]) => `--from-file=${key}=${file}`).join(" ");
  return [
    `kubectl create namespace ${namespace} --dry-run=client -o yaml | kubectl apply -f -`,
    `kubectl -n ${namespace} create secret generic ${name} ${from} --dry-run=client -o yaml | kubectl apply -f -`,
  ].join("\n");
}

/** `applySecret` with each key taken from a CI secret's environment variable, through a private temp file. */
function applySecretFromEnv(namespace: string, name: string, keys: ReadonlyArray<readonly [key: string, secret: Secret]>): string {
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

function step(name: string, run: string, secrets?: readonly Secret[]): Step {
  return secrets ? { name, run, secrets } : { name, run };
}

function storageClass(config: KkpConfig): string {
  return config.cloud.provider === "aws" ? "aws" : "gce";
}

function cloudLogin(config: KkpConfig): CloudLogin {
  const cloud = config.cloud;
  const staticKeys = config.pipeline.credentials === "static-keys";
  if (cloud.provider === "aws") {
    const region = cloud.aws.region;
    return staticKeys || !cloud.aws.pipelineRoleArn
      ? { provider: "aws", region, method: "static-keys" }
      : { provider: "aws", region, method: "oidc", roleArn: cloud.aws.pipelineRoleArn };
  }
  const identity = cloud.gcp.pipelineIdentity;
  return staticKeys || !identity
    ? { provider: "gcp", method: "static-keys" }
    : { provider: "gcp", method: "oidc", workloadIdentityProvider: identity.workloadIdentityProvider, serviceAccount: identity.serviceAccount };
}

/** Waits for both LoadBalancer services to have an address (host name on AWS, IP on GCP), then applies DNS. */
function dnsUpdateScript(dnsStack: string, tf: (id: string, args: string) => string): string {
  const lookups = Object.values(DNS_TARGET_VARIABLES).map(({ name, service }) => {
    const [namespace, svc] = service.split("/");
    return [
      `${name}=""`,
      `for attempt in $(seq 120); do`,
      `  ${name}=$(kubectl -n ${namespace} get service ${svc} -o jsonpath='{.status.loadBalancer.ingress[0].hostname}{.status.loadBalancer.ingress[0].ip}' 2>/dev/null || true)`,
      `  [ -n "$${name}" ] && break`,
      `  sleep 10`,
      `done`,
      `[ -n "$${name}" ] || { echo "service ${service} has no external address after 20 minutes" >&2; exit 1; }`,
    ].join("\n");
  });
  const vars = Object.values(DNS_TARGET_VARIABLES)
    .map(({ name }) => `-var "${name}=$${name}"`)
    .join(" ");
  return [...lookups, tf(dnsStack, `init ${TERRAFORM_FLAGS}`), tf(dnsStack, `apply ${TERRAFORM_FLAGS} -auto-approve ${vars}`)].join("\n");
}

/** `flux bootstrap` for the CI's git host, skipped once the environment's flux-system directory is committed. */
function fluxBootstrapScript(config: KkpConfig, env: EnvironmentConfig): string {
  const path = REPOSITORY_PATHS.fluxCluster(env.name);
  const bootstrap = (() => {
    switch (config.ci.provider) {
      case "github":
        return `GITHUB_TOKEN="$FLUX_GITHUB_TOKEN" flux bootstrap github --owner=${config.ci.github.owner} --repository=${config.ci.github.repository} --branch=${MAIN_BRANCH} --path=${path} --personal=${config.ci.github.personal}`;
      case "gitlab": {
        const { url, project, personal } = config.ci.gitlab;
        const owner = project.split("/").slice(0, -1).join("/");
        const name = project.split("/").at(-1);
        return `GITLAB_TOKEN="$FLUX_GITLAB_TOKEN" flux bootstrap gitlab --hostname=${new URL(url).host} --owner=${owner} --repository=${name} --branch=${MAIN_BRANCH} --path=${path} --personal=${personal}`;
      }
      case "bitbucket": {
        const { workspace, repository } = config.ci.bitbucket;
        // Bitbucket has no flux bootstrap provider: plain git over SSH, with an access key that may push.
        return [
          'key="$(mktemp)"',
          'trap \'rm -f "$key"\' EXIT',
          '(umask 077 && printf \'%s\\n\' "$FLUX_SSH_PRIVATE_KEY" > "$key")',
          `flux bootstrap git --url=ssh://git@bitbucket.org/${workspace}/${repository}.git --branch=${MAIN_BRANCH} --path=${path} --private-key-file="$key" --silent`,
        ].join("\n");
      }
    }
  })();
  return [
    `if [ -d ${path}/flux-system ]; then`,
    `  echo "Flux is already bootstrapped for ${env.name} (${path}/flux-system is committed); it manages itself from here."`,
    `  exit 0`,
    `fi`,
    bootstrap,
  ].join("\n");
}
