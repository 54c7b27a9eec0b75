/**
 * Builds the delivery pipeline from the configuration: one pipeline per environment, composed from the job
 * builders of jobs.ts in one of two declared shapes. The first environment runs on change requests and pushes
 * to main and ends by planning the next; every later one runs on its deploy tags, behind the promotion check,
 * and hands its commit to Flux before bootstrapping it. Everything CI-specific is left to the renderers; what
 * depends on the cloud or the git host comes from their targets (`PipelineSource`).
 */
import { MAIN_BRANCH, deployTagPattern } from "../core/names";
import { PLAN_IDENTITY, type Job, type Pipeline } from "../core/pipeline-model";
import { SECRETS } from "../core/secrets";
import * as jobs from "./jobs";
import type { PipelineSource } from "./targets";
import { RESTIC_VERSION } from "../content/kubeone";

export type { PipelineSource };

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

/** One pipeline per environment, in promotion order. */
export function buildPipelines(source: PipelineSource): Pipeline[] {
  return source.config.environments.map((env) => buildPipeline(source, env.index));
}

/** The pipeline of one environment. */
export function buildPipeline(source: PipelineSource, index = 0): Pipeline {
  const { config, configFile } = source;
  const env = config.environments[index];
  const context: jobs.JobContext = {
    source,
    env,
    next: config.environments[index + 1],
    shape: index === 0 ? jobs.FIRST_ENVIRONMENT : jobs.laterEnvironment(config.environments[index - 1]),
  };
  const list = environmentJobs(context);
  const teardown = jobs.teardown(context);
  const jobSecrets = [...list, teardown].flatMap((job) => [...(job.sshAgent ? [SECRETS.sshPrivateKey] : []), ...job.steps.flatMap((s) => s.secrets ?? [])]);
  const cloud = { plan: source.cloud.login(PLAN_IDENTITY), apply: source.cloud.login({ kind: "apply", env: env.name }) };
  const keySecrets = [...cloud.plan.keySecrets, ...cloud.apply.keySecrets];
  const secrets = [...new Map([...jobSecrets, ...keySecrets].map((s) => [s.name, s])).values()];

  return {
    name: config.name,
    mainBranch: MAIN_BRANCH,
    changeSets: {
      infrastructure: [...INFRASTRUCTURE_PATHS, configFile, ...source.ci.definitionPaths],
      kubeone: ["kubeone/**"],
      kubermatic: ["kubermatic/**"],
    },
    changeDetector: "terraform-kkp-validate",
    environment: env.name,
    ...(index > 0 ? { deployTag: { pattern: deployTagPattern(env.name), commit: { job: "promotion-check", output: "sha" } } } : {}),
    runner: config.pipeline.runner,
    tools: { ...config.pipeline.tools, restic: RESTIC_VERSION },
    cloud,
    secrets,
    env: { KKP_CONFIG: configFile, CHECKPOINT_DISABLE: "1" },
    jobs: list,
    teardown,
  };
}

/**
 * Validate, plan and deploy the environment, then plan the next one for its reviewers; the shape adds what a
 * later environment runs first (the promotion check) and before Flux is bootstrapped (moving Flux's branch).
 */
function environmentJobs(context: jobs.JobContext): Job[] {
  const { shape } = context;
  return [
    ...shape.first(context),
    jobs.validate(context),
    jobs.validateDns(context),
    ...jobs.prepareBackend(context),
    jobs.plan(context),
    jobs.apply(context),
    jobs.kubeoneApply(context),
    jobs.kkpDeploy(context),
    ...shape.beforeFluxBootstrap(context),
    jobs.fluxBootstrap(context),
    jobs.dnsUpdate(context),
    ...jobs.planNext(context),
  ];
}

