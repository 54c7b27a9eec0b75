/**
 * The seams work: a cloud and a CI system that exist only in __tests__/fake-targets/ are registered beside the
 * built-in ones and flow through the configuration, the pipeline, the renderer, the repository files and the
 * stacks, with no edit anywhere else.
 */
import { Testing, type TerraformStack } from "cdktf";
import { parse } from "yaml";
import { installationOf, pipelineOf } from "../config/installation";
import { parseConfig } from "../config/load";
import { BUILT_IN, CI_SYSTEMS, CLOUDS, type Registry } from "../config/registry";
import { repositoryFiles } from "../config/repository-files";
import { REPOSITORY_PATHS } from "../constructs/core/names";
import { defineStacks } from "../stacks/kkp-app";
import { FAKE_CI, FAKE_CI_FILE, FAKE_PUSH_KEY } from "./fake-targets/ci";
import { FAKE_CLOUD, FAKE_PRESET_TOKEN } from "./fake-targets/cloud";

const registry: Registry = { clouds: { ...CLOUDS, fake: FAKE_CLOUD }, ciSystems: { ...CI_SYSTEMS, fakeci: FAKE_CI } };

const text = (environments = "") => `
name: kkp
cloud:
  provider: fake
  fake:
    region: lab-1
ci:
  provider: fakeci
  fakeci:
    repository: platform/kkp
kkp:
  domain: kkp.example.com
  adminEmail: admin@example.com
dns:
  zone: example.com
ssh:
  publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF/Zb+qNyCmwjMDd7LEKcQ9ot8IjX5zTkcx1gpl2yJ/M test
access:
  apiCidrs: [10.0.0.0/8]
  sshCidrs: [10.0.0.0/8]
${environments}`;

const config = parseConfig(text(), "fake.yaml", registry);
const installation = installationOf({ config, configFile: "fake.yaml" }, registry);

describe("a fake cloud and a fake CI system, registered beside the built-in ones", () => {
  test("the configuration accepts them, with their defaults and their facts", () => {
    expect(config.cloud).toEqual({ provider: "fake", fake: { region: "lab-1" } });
    expect(config.controlPlane.machineType).toBe("fake-cp");
    expect(config.state.bucketName).toMatch(/^kkp-tfstate-[0-9a-f]{10}$/);
  });

  test("fails on the built-in registry, naming the choices it has", () => {
    expect(() => parseConfig(text(), "fake.yaml", BUILT_IN)).toThrow('cloud.provider (line 4): must be one of: aws, gcp (got "fake")');
    expect(() => parseConfig(text(), "fake.yaml", registry)).not.toThrow();
  });

  test("fails on several environments, because the CI target does not support promotion", () => {
    expect(() => parseConfig(text("environments: [{ name: ops }, { name: apps }]"), "fake.yaml", registry)).toThrow(
      "environments (line 21): lists 2 environments, but promotion across environments is built for ci.provider github only; with fakeci, deploy one environment per configuration",
    );
  });

  test("the pipeline takes its login, storage class, Flux bootstrap and CI file from the targets", () => {
    const pipeline = pipelineOf(installation);
    const run = (id: string) => pipeline.jobs.find((job) => job.id === id)!.steps.map((step) => step.run).join("\n");
    expect(pipeline.cloud.plan.oidcAudience).toBe("fake.example");
    expect(run("kkp-deploy")).toContain("--storageclass fake-disk");
    expect(run("flux-bootstrap")).toContain(`flux bootstrap git --url=ssh://git@git.example/platform/kkp --branch=main --path=${REPOSITORY_PATHS.fluxCluster("prod")}`);
    expect(pipeline.secrets.map((s) => s.name)).toEqual(expect.arrayContaining([FAKE_PUSH_KEY.name, FAKE_PRESET_TOKEN.name]));
    expect(pipeline.changeSets.infrastructure).toContain(FAKE_CI_FILE);
    // Its state is a bucket the state stack creates, so the chain prepares it.
    expect(pipeline.jobs.map((job) => job.id)).toContain("terraform-backend-prepare");
  });

  test("the repository files hold the fake renderer's file and content shaped by both targets", () => {
    const files = repositoryFiles(installation);
    const ciFile = parse(files.get(FAKE_CI_FILE)!);
    // Jobs outside the environment log in as the plan identity; deploy jobs as the environment's apply identity.
    expect(ciFile.jobs.find((job: any) => job.id === "terraform-plan").login).toBe('fake-cloud login --region lab-1 --as plan --token "$FAKE_OIDC_TOKEN"');
    expect(ciFile.jobs.find((job: any) => job.id === "terraform-apply").login).toBe('fake-cloud login --region lab-1 --as apply-prod --token "$FAKE_OIDC_TOKEN"');
    expect(parse(files.get(REPOSITORY_PATHS.kubeoneManifest)!).cloudProvider).toEqual({ none: {} });
    const platform = `${REPOSITORY_PATHS.fluxCluster("prod")}/kkp/parts/platform`;
    expect(parse(files.get(`${platform}/seed.yaml`)!).spec.datacenters).toEqual({ "fake-lab-1": { location: "lab-1", spec: { fake: { region: "lab-1" } } } });
    expect(parse(files.get(`${platform}/preset.yaml`)!)).toMatchObject({ metadata: { name: "kkp-fake" }, spec: { fake: { token: "${KKP_PRESET_FAKE_TOKEN}" } } });
    const notifications = files.get(`${REPOSITORY_PATHS.fluxCluster("prod")}/kkp/parts/notifications.yaml`)!;
    expect(notifications).toContain("type: generic");
    expect(notifications).toContain("address: https://git.example/platform/kkp");
  });

  test("the stacks use the fake state store, cluster, DNS records and CI-stack side", () => {
    const app = Testing.app({ stackTraces: false });
    defineStacks(app, installation);
    const stacks = Object.fromEntries((app.node.children as TerraformStack[]).map((stack) => [stack.node.id, JSON.parse(Testing.synth(stack, true))]));
    expect(Object.keys(stacks).sort()).toEqual(["ci", "identity", "prod-cluster", "prod-dns", "state"]);
    // The identity stack hands the fake cloud the fake CI system's trust, identity by identity.
    expect(stacks.identity.terraform.backend).toEqual({ local: { path: "state/identity.tfstate" } });
    expect(stacks.identity.output["plan-trust"].value).toEqual({ issuer: "https://ci.example", subjects: ["platform/kkp:change:*"] });
    expect(stacks.identity.output["apply-trust-prod"].value).toEqual({ issuer: "https://ci.example", subjects: ["platform/kkp:deploy:prod"] });
    expect(stacks["prod-cluster"].terraform.backend).toEqual({ local: { path: "state/prod/cluster.tfstate" } });
    expect(stacks["prod-cluster"].output.kubeone_api.value).toEqual({ endpoint: "api.kkp.example.com" });
    expect(Object.keys(stacks["prod-dns"].output)).toHaveLength(3);
    expect(stacks.ci.output.committed_files.value).toContain(FAKE_CI_FILE);
    expect(stacks.ci.output.kkp_issuer_client_secret_prod.sensitive).toBe(true);
  });
});
