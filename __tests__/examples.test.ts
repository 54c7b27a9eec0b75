/** Every shipped example configuration validates and synthesizes the expected stacks. */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { loadConfigFile, PROJECT_ROOT } from "../config/load";
import { resources, synthAll } from "./helpers";

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

  test("builds in the existing VPC, without a bastion, reaching the nodes from the runners' CIDR", () => {
    expect(resources(cluster, "aws_vpc")).toEqual([]);
    expect(resources(cluster, "aws_instance").map((i) => i.tags.Name)).toEqual(["acme-prod-cp-1", "acme-prod-cp-2", "acme-prod-cp-3"]);
    const ssh = resources(cluster, "aws_vpc_security_group_ingress_rule").filter((r) => r.from_port === 22);
    expect(ssh.map((r) => r.cidr_ipv4)).toEqual(["10.20.0.0/16"]);
  });

  test("has one MachineDeployment per pool and private subnet", () => {
    expect(Object.keys(cluster.output!.kubeone_workers.value).sort()).toEqual([
      "acme-prod-general-1",
      "acme-prod-general-2",
      "acme-prod-general-3",
      "acme-prod-seed-1",
      "acme-prod-seed-2",
      "acme-prod-seed-3",
    ]);
  });
});
