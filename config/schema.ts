/**
 * The configuration schema: one YAML file describes an installation. The neutral settings come from
 * settings/schema.ts, the `cloud` and `ci` sections from the registered targets; every default is applied there
 * (or, for values that depend on the cloud, in settings/resolve.ts), so the rest of the code reads a complete,
 * typed object.
 */
import { z } from "zod";
import { BUILT_IN, ciModule, cloudModule, type CiSection, type CloudSection, type Registry } from "./registry";
import { checkCompatibility } from "./settings/compatibility";
import { parseSshPublicKey } from "./settings/formats";
import { checkBackups, checkClusterRanges, checkEnvironmentsAndComponents, checkMachinesAndAccess, kubectlVersion, settingsShape, type ParsedSettings } from "./settings/schema";

type Options = readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]];

/** The whole file's schema for the targets of `registry`. */
export function configSchemaFor(registry: Registry) {
  const clouds = Object.keys(registry.clouds);
  const ciSystems = Object.keys(registry.ciSystems);
  const cloud = z
    .discriminatedUnion("provider", Object.values(registry.clouds).map((m) => m.schema) as unknown as Options, {
      error: `cloud.provider must be one of: ${clouds.join(", ")}`,
    })
    .describe("Where the KKP master cluster runs.");
  const ci = z
    .discriminatedUnion("provider", Object.values(registry.ciSystems).map((m) => m.schema) as unknown as Options, {
      error: `ci.provider must be one of: ${ciSystems.join(", ")}`,
    })
    .describe("The CI system that runs the delivery pipeline.");
  const promoting = ciSystems.filter((name) => registry.ciSystems[name].supportsPromotion);
  const { name, ...rest } = settingsShape;
  type Check = (config: ParsedConfig, ctx: z.RefinementCtx) => void;
  // Each check reads a few sections, and runs whenever those parsed cleanly, so that a mistake elsewhere (a typo in
  // dns:, say) does not hide it: zod's default is to skip refinements after any issue.
  const checks: ReadonlyArray<readonly [readonly string[], Check]> = [
    [["controlPlane", "access"], (config, ctx) => checkMachinesAndAccess(config, ctx)],
    [
      ["cloud", "pipeline", "access", "bastion"],
      (config, ctx) => {
        for (const issue of cloudModule(registry, config.cloud).check(config.cloud, config)) {
          ctx.addIssue({ code: "custom", path: issue.root ? [...issue.path] : ["cloud", ...issue.path], message: issue.message });
        }
      },
    ],
    [
      ["ci", "pipeline", "bastion"],
      (config, ctx) => {
        const hosted = ciModule(registry, config.ci).hostedRunner(config.pipeline.runner);
        if (!config.bastion.enabled && hosted !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["bastion", "enabled"],
            message: `is false, so the jobs SSH to the nodes directly, which only runners inside the cluster's network can; ${hosted}: run the jobs on self-hosted runners there, or enable the bastion, which the pipeline reaches through the cloud's tunnel`,
          });
        }
        for (const issue of ciModule(registry, config.ci).check?.(config.ci, config) ?? []) {
          ctx.addIssue({ code: "custom", path: ["ci", ...issue.path], message: issue.message });
        }
      },
    ],
    [
      ["ci", "environments"],
      (config, ctx) => {
        config.environments.forEach((env, index) => {
          for (const issue of ciModule(registry, config.ci).reviewerIssues(env.reviewers)) {
            ctx.addIssue({ code: "custom", path: ["environments", index, "reviewers", ...issue.path], message: issue.message });
          }
        });
        if (!ciModule(registry, config.ci).supportsPromotion && config.environments.length > 1) {
          ctx.addIssue({
            code: "custom",
            path: ["environments"],
            message: `lists ${config.environments.length} environments, but promotion across environments is built for ci.provider ${promoting.join(", ")} only; with ${config.ci.provider}, deploy one environment per configuration`,
          });
        }
      },
    ],
    [["environments", "workers", "kkp", "dns"], (config, ctx) => checkEnvironmentsAndComponents(config, ctx)],
    [["etcdBackups", "pipeline"], (config, ctx) => checkBackups(config, ctx)],
    [
      ["cloud", "ssh"],
      (config, ctx) => {
        const key = parseSshPublicKey(config.ssh.publicKey);
        const accepted = cloudModule(registry, config.cloud).sshKeyTypes;
        if (!("error" in key) && !accepted.includes(key.type)) {
          ctx.addIssue({
            code: "custom",
            path: ["ssh", "publicKey"],
            message: `is an ${key.type} key, which cloud.provider ${config.cloud.provider} cannot install on its machines (it takes ${accepted.join(", ")}); use an ssh-ed25519 key (ssh-keygen -t ed25519)`,
          });
        }
      },
    ],
    [["cloud", "kubernetes"], (config, ctx) => checkClusterRanges(config, cloudModule(registry, config.cloud).networks(config.cloud), ctx)],
    [
      ["pipeline", "kubernetes"],
      (config, ctx) => {
        const tools = config.pipeline.tools;
        const versions = { ...tools, kubernetes: config.kubernetes.version, kubectl: kubectlVersion(tools, config.kubernetes.version) };
        for (const issue of checkCompatibility(versions)) ctx.addIssue({ code: "custom", path: [...issue.path], message: issue.message });
      },
    ],
  ];
  let schema: z.ZodType = z.strictObject({ name, cloud, ci, ...rest });
  for (const [reads, check] of checks) {
    schema = schema.superRefine((parsed, ctx) => check(parsed as unknown as ParsedConfig, ctx), {
      when: (payload) => !payload.issues.some((issue) => reads.includes(String(issue.path?.[0]))),
    });
  }
  return schema
    .describe("Configuration of a KKP installation managed by kkp-gitops.");
}

/** The schema of the built-in targets: what config/kkp.schema.json describes for editors. */
export const configSchema = configSchemaFor(BUILT_IN);

/** The configuration as written, after defaults. */
export type ParsedConfig = ParsedSettings & { readonly cloud: CloudSection; readonly ci: CiSection };
