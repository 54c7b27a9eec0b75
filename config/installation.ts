/**
 * An installation: the resolved configuration bound to the targets it names (through the registry) and to the
 * state store chosen for it, which is the CI system's where it keeps state (GitLab), else the cloud's bucket.
 */
import { buildPipeline, buildPipelines, type PipelineSource } from "../constructs/pipeline/build";
import type { Pipeline } from "../constructs/core/pipeline-model";
import type { CiTarget } from "../constructs/targets/ci";
import type { CloudTarget } from "../constructs/targets/cloud";
import type { StateStore } from "../constructs/targets/state-store";
import { BUILT_IN, ciModule, cloudModule, type Registry } from "./registry";
import type { KkpConfig } from "./settings/resolve";

export interface ConfigSource {
  readonly config: KkpConfig;
  /** The configuration file relative to the repository root; the pipeline synthesizes from it. */
  readonly configFile: string;
}

export interface Installation extends ConfigSource {
  readonly cloud: CloudTarget;
  readonly ci: CiTarget;
  readonly stateStore: StateStore;
}

export function installationOf(source: ConfigSource, registry: Registry = BUILT_IN): Installation {
  const { config } = source;
  const cloud = cloudModule(registry, config.cloud).target(config, config.cloud);
  const ci = ciModule(registry, config.ci).target(config, config.ci);
  return { ...source, cloud, ci, stateStore: ci.stateStore ?? cloud.stateStore };
}

/** What the pipeline builder reads of an installation. */
export function pipelineSource(installation: Installation): PipelineSource {
  const { config, configFile, cloud, ci, stateStore } = installation;
  return { config, configFile, cloud, ci, stateInBucket: stateStore.needsStateStack };
}

/** One pipeline per environment, in promotion order. */
export function pipelinesOf(installation: Installation): Pipeline[] {
  return buildPipelines(pipelineSource(installation));
}

/** The pipeline of one environment (the first by default). */
export function pipelineOf(installation: Installation, index = 0): Pipeline {
  return buildPipeline(pipelineSource(installation), index);
}
