/** Shared test helpers: configs derived from the embedded example, and stacks synthesized with validations on. */
import { readFileSync } from "node:fs";
import { Testing, type TerraformStack } from "cdktf";
import { installationOf } from "../config/installation";
import { AWS_KEY_SECRETS, AWS_PRESET_SECRETS } from "../constructs/clouds/aws/secrets";
import { GCP_KEY_SECRET, GCP_PRESET_SECRETS } from "../constructs/clouds/gcp/secrets";
import { parse, stringify } from "yaml";
import * as path from "node:path";
import { EXAMPLE_CONFIG, parseConfig, PROJECT_ROOT } from "../config/load";
import type { Config as KkpConfig } from "../config/load";
import { defineStacks } from "../stacks/kkp-app";

/** The static-key and Preset secrets of every built-in cloud. */
export const CLOUD_KEY_SECRETS = { aws: AWS_KEY_SECRETS, gcp: [GCP_KEY_SECRET] };
export const PRESET_SECRETS = { aws: AWS_PRESET_SECRETS, gcp: GCP_PRESET_SECRETS };

export const exampleText = readFileSync(EXAMPLE_CONFIG, "utf8");
/** The Google Cloud example, the GCP counterpart of the embedded AWS example. */
/**
 * The app's Node.js arguments, as cdktf.json runs it: tests start the app the way `cdktf synth` does.
 * (`--disable-warning=DEP0044`: cdktf 0.21's TerraformOutput calls util.isArray, which Node 24 warns about.)
 */
export const APP_NODE_ARGS: readonly string[] = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "cdktf.json"), "utf8")).app.split(" ").slice(1);

export const gcpExampleText = readFileSync(path.join(PROJECT_ROOT, "examples", "gcp-github.yaml"), "utf8");
export const gitlabExampleText = readFileSync(path.join(PROJECT_ROOT, "examples", "aws-gitlab.yaml"), "utf8");
export const bitbucketExampleText = readFileSync(path.join(PROJECT_ROOT, "examples", "gcp-bitbucket.yaml"), "utf8");

type Edit = (data: Record<string, any>) => void;

/** Validates an example (the embedded one unless `text` names another) with edits applied, as a user's file would be. */
export function configFrom(edit: Edit = () => {}, text: string = exampleText): KkpConfig {
  const data = parse(text);
  edit(data);
  return parseConfig(stringify(data));
}

/**
 * The message of the ConfigError that `edit` provokes, or a failure when the config is accepted. Line numbers
 * are dropped: the edited data is re-serialized, so they are tested on hand-edited text instead.
 */
export function configErrorFor(edit: Edit, text: string = exampleText): string {
  try {
    configFrom(edit, text);
  } catch (error) {
    return (error as Error).message.replace(/ \(line \d+\)/g, "");
  }
  throw new Error("expected the configuration to be rejected, but it was accepted");
}

export interface TerraformJson {
  terraform: { backend: Record<string, Record<string, unknown>>; required_providers: Record<string, unknown> };
  provider: Record<string, any[]>;
  resource: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, { value: any; description?: string }>;
  variable?: Record<string, any>;
}

/** Synthesizes every stack of `config` with cdktf's validations on and returns each stack's Terraform JSON. */
export function synthAll(config: KkpConfig, configFile = "kkp.yaml"): Record<string, TerraformJson> {
  const app = Testing.app({ stackTraces: false });
  defineStacks(app, installationOf({ config, configFile }));
  const stacks = app.node.children as TerraformStack[];
  return Object.fromEntries(stacks.map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack, true))]));
}

/** All resources of one type in a stack, in construct order. */
export function resources(stack: TerraformJson, type: string): any[] {
  return Object.values(stack.resource[type] ?? {});
}

export function dataSources(stack: TerraformJson, type: string): any[] {
  return Object.values(stack.data?.[type] ?? {});
}
