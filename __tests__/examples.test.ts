/** Every shipped example configuration validates and synthesizes the expected stacks. */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { loadConfigFile, PROJECT_ROOT } from "../config/load";
import { MAX_CLUSTER_NAME_LENGTH } from "../config/settings/resolve";
import { MAX_ENVIRONMENT_NAME_LENGTH, MAX_NAME_LENGTH } from "../config/settings/schema";
import { configFrom, resources, synthAll } from "./helpers";

const examplesDir = path.join(PROJECT_ROOT, "examples");
const examples = readdirSync(examplesDir).filter((f) => f.endsWith(".yaml"));

test("there are examples to check", () => {
  expect(examples.length).toBeGreaterThan(0);
});

describe.each(examples)("examples/%s", (file) => {
  const { config } = loadConfigFile(path.join(examplesDir, file));
  const stacks = synthAll(config);

  test("synthesizes the state (unless GitLab keeps it), identity and CI stacks and a cluster and DNS stack per environment", () => {
    const expected = [...(config.ci.provider === "gitlab" ? [] : ["state"]), "identity", "ci", ...config.environments.flatMap((e) => [`${e.name}-cluster`, `${e.name}-dns`])];
    expect(Object.keys(stacks).sort()).toEqual(expected.sort());
  });
});

describe("examples/aws-github-existing-vpc.yaml", () => {
  const { config } = loadConfigFile(path.join(examplesDir, "aws-github-existing-vpc.yaml"));
  const cluster = synthAll(config)["prod-cluster"];

  const name = config.environments[0].clusterName;

  test("builds in the existing VPC, without a bastion, reaching the nodes from the runners' CIDR", () => {
    expect(resources(cluster, "aws_vpc")).toEqual([]);
    expect(resources(cluster, "aws_instance").map((i) => i.tags.Name)).toEqual([`${name}-cp-1`, `${name}-cp-2`, `${name}-cp-3`]);
    const ssh = resources(cluster, "aws_vpc_security_group_ingress_rule").filter((r) => r.from_port === 22);
    expect(ssh.map((r) => r.cidr_ipv4)).toEqual(["10.20.0.0/16"]);
  });

  test("has one MachineDeployment per pool and private subnet", () => {
    expect(Object.keys(cluster.output!.kubeone_workers.value).sort()).toEqual(
      ["general-1", "general-2", "general-3", "seed-1", "seed-2", "seed-3"].map((pool) => `${name}-${pool}`),
    );
  });

  test("shares its account: every cluster resource is named with the installation's hash", () => {
    expect(name).toMatch(/^acme-prod-[0-9a-f]{6}$/);
    const named = [
      ...resources(cluster, "aws_iam_role").map((r) => r.name),
      ...resources(cluster, "aws_iam_instance_profile").map((r) => r.name),
      ...resources(cluster, "aws_security_group").map((r) => r.name),
      ...resources(cluster, "aws_lb").map((r) => r.name),
      ...resources(cluster, "aws_lb_target_group").map((r) => r.name),
      ...resources(cluster, "aws_key_pair").map((r) => r.key_name),
    ];
    expect(named.length).toBeGreaterThan(6);
    for (const resourceName of named) expect(resourceName.startsWith(`${name}-`)).toBe(true);
  });
});

describe("uniqueResourceNames", () => {
  const edit = (repository: string, unique: boolean) => (c: any) => {
    c.uniqueResourceNames = unique;
    c.ci.github.repository = repository;
  };
  const names = (config: ReturnType<typeof configFrom>) => config.environments.map((env) => env.clusterName);

  test("off, names stay <name>-<env>, as installations made before it have them", () => {
    expect(names(configFrom(edit("kkp-gitops", false)))).toEqual(["kkp-prod"]);
    expect(configFrom().uniqueResourceNames).toBe(false);
  });

  test("on, two installations of the same name and environment in one account get different names, each stable", () => {
    const [a, b] = [names(configFrom(edit("kkp-gitops", true))), names(configFrom(edit("kkp-gitops-2", true)))];
    expect(a[0]).toMatch(/^kkp-prod-[0-9a-f]{6}$/);
    expect(a).not.toEqual(b);
    expect(names(configFrom(edit("kkp-gitops", true)))).toEqual(a);
  });

  test("the longest names stay within the plain names' length, so every cloud name limit still holds, and stay distinct", () => {
    const longest = (envs: string[]) =>
      configFrom((c: any) => {
        c.uniqueResourceNames = true;
        c.name = "a".repeat(MAX_NAME_LENGTH);
        c.environments = envs.map((env) => ({ name: env }));
      });
    const envs = ["b".repeat(MAX_ENVIRONMENT_NAME_LENGTH - 1) + "1", "b".repeat(MAX_ENVIRONMENT_NAME_LENGTH - 1) + "2"];
    const config = longest(envs);
    const clusterNames = names(config);
    for (const n of clusterNames) {
      expect(n.length).toBeLessThanOrEqual(MAX_CLUSTER_NAME_LENGTH);
      expect(n).toMatch(/^[a-z][a-z0-9-]*[a-z0-9]$/);
    }
    // Cut to the same readable prefix, the hash still tells the environments apart.
    expect(new Set(clusterNames).size).toBe(2);
  });
});
