/**
 * The one registry of targets: each cloud and each CI system the configuration can name, keyed by that name.
 * Adding a cloud or a CI system adds its directory and one line here; the configuration schema, the error
 * messages listing the choices, and every lookup derive from these tables, so no switch elsewhere can miss one.
 * Entries are cheap: a target's provider bindings load only when its `target()` is called.
 */
import { BITBUCKET_CI } from "../constructs/ci/bitbucket";
import { GITHUB_CI } from "../constructs/ci/github";
import { GITLAB_CI } from "../constructs/ci/gitlab";
import { AWS_CLOUD } from "../constructs/clouds/aws";
import { GCP_CLOUD } from "../constructs/clouds/gcp";
import type { CiModule } from "../constructs/targets/ci";
import type { CloudModule } from "../constructs/targets/cloud";
import type { TargetSection } from "./settings/resolve";

export const CLOUDS = { aws: AWS_CLOUD, gcp: GCP_CLOUD };
export const CI_SYSTEMS = { github: GITHUB_CI, gitlab: GITLAB_CI, bitbucket: BITBUCKET_CI };

/** The targets a configuration may name. Tests register more; the app uses `BUILT_IN`. */
export interface Registry {
  readonly clouds: Readonly<Record<string, CloudModule<any>>>;
  readonly ciSystems: Readonly<Record<string, CiModule<any>>>;
}

export const BUILT_IN: Registry = { clouds: CLOUDS, ciSystems: CI_SYSTEMS };

type SectionOf<M> = M extends CloudModule<infer S> ? S : M extends CiModule<infer S> ? S : never;
/** The `cloud` section of a configuration, one variant per registered cloud. */
export type CloudSection = { [K in keyof typeof CLOUDS]: SectionOf<(typeof CLOUDS)[K]> }[keyof typeof CLOUDS];
/** The `ci` section of a configuration, one variant per registered CI system. */
export type CiSection = { [K in keyof typeof CI_SYSTEMS]: SectionOf<(typeof CI_SYSTEMS)[K]> }[keyof typeof CI_SYSTEMS];

/** The cloud a section names; the schema admits only registered names, so the lookup cannot miss. */
export function cloudModule(registry: Registry, section: TargetSection): CloudModule<TargetSection> {
  return registry.clouds[section.provider];
}

export function ciModule(registry: Registry, section: TargetSection): CiModule<TargetSection> {
  return registry.ciSystems[section.provider];
}
