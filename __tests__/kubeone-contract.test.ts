/**
 * KubeOne reads `terraform output -json` of the cluster stack and rejects unknown fields. The field lists
 * below are written from KubeOne's contract (KubeOne's terraform examples and machine-controller's
 * AWS provider spec), independently of the code under test.
 */
import { configFrom, gcpExampleText, synthAll } from "./helpers";

type Shape = { required: string[]; optional: string[]; children?: Record<string, Shape | "map-of"> };

const AWS_CLOUD_PROVIDER_SPEC: Shape = {
  required: ["region", "availabilityZone", "vpcId", "subnetId", "instanceType", "instanceProfile", "securityGroupIDs", "diskSize", "diskType"],
  optional: ["ami", "assignPublicIP", "diskIops", "ebsVolumeEncrypted", "tags", "isSpotInstance", "spotInstanceConfig"],
};

/** machine-controller's GCE provider spec (examples/gce-machinedeployment.yaml). */
const GCE_CLOUD_PROVIDER_SPEC: Shape = {
  required: ["zone", "machineType", "diskSize", "diskType", "network", "subnetwork"],
  optional: [
    "assignPublicIPAddress",
    "automaticRestart",
    "customImage",
    "disableMachineServiceAccount",
    "enableNestedVirtualization",
    "guestOSFeatures",
    "labels",
    "minCPUPlatform",
    "multizone",
    "preemptible",
    "provisioningModel",
    "regional",
    "serviceAccount",
    "tags",
  ],
};

const CLOUD_PROVIDER_SPECS: Record<string, Shape> = { aws: AWS_CLOUD_PROVIDER_SPEC, gce: GCE_CLOUD_PROVIDER_SPEC };

const CONTRACT: Record<string, Shape> = {
  kubeone_api: { required: ["endpoint"], optional: ["apiserver_alternative_names"] },
  kubeone_hosts: {
    required: ["control_plane"],
    optional: [],
    children: {
      control_plane: {
        required: ["cluster_name", "cloud_provider", "private_address", "hostnames", "operating_system", "ssh_user"],
        optional: ["public_address", "ssh_port", "ssh_agent_socket", "ssh_private_key_file", "bastion", "bastion_port", "bastion_user"],
      },
    },
  },
};

const worker = (cloudProviderSpec: Shape): Shape => ({
  required: ["replicas", "providerSpec"],
  optional: [],
  children: {
    providerSpec: {
      required: ["sshPublicKeys", "operatingSystem", "operatingSystemSpec", "cloudProviderSpec"],
      optional: ["labels", "annotations"],
      children: { operatingSystemSpec: { required: [], optional: ["distUpgradeOnBoot"] }, cloudProviderSpec },
    },
  },
});

/** Every way `value` breaks `shape`, as `path: problem` lines. */
function violations(value: Record<string, unknown>, shape: Shape, at: string): string[] {
  const problems: string[] = [];
  const known = new Set([...shape.required, ...shape.optional]);
  for (const key of Object.keys(value)) if (!known.has(key)) problems.push(`${at}.${key}: unknown to KubeOne`);
  for (const key of shape.required) if (value[key] === undefined) problems.push(`${at}.${key}: missing`);
  for (const [key, child] of Object.entries(shape.children ?? {})) {
    if (value[key] !== undefined && child !== "map-of") problems.push(...violations(value[key] as Record<string, unknown>, child, `${at}.${key}`));
  }
  return problems;
}

function contractViolations(outputs: Record<string, { value: any }>): string[] {
  const problems: string[] = [];
  // KubeOne keeps only its own kubeone_* outputs and drops the others (pkg/terraform: the bastion output for the tunnel).
  for (const name of Object.keys(outputs)) if (name.startsWith("kubeone_") && !(name in CONTRACT) && name !== "kubeone_workers") problems.push(`${name}: unexpected output`);
  for (const [name, shape] of Object.entries(CONTRACT)) {
    if (!outputs[name]) problems.push(`${name}: missing`);
    else problems.push(...violations(outputs[name].value, shape, name));
  }
  const spec = CLOUD_PROVIDER_SPECS[outputs.kubeone_hosts?.value.control_plane.cloud_provider];
  if (!spec) return [...problems, "kubeone_hosts.control_plane.cloud_provider: not aws or gce"];
  for (const [pool, value] of Object.entries(outputs.kubeone_workers?.value ?? {})) problems.push(...violations(value as any, worker(spec), `kubeone_workers.${pool}`));
  return problems;
}

describe("KubeOne Terraform-output contract", () => {
  const outputs = synthAll(configFrom())["prod-cluster"].output!;

  test("the cluster stack's outputs use only fields KubeOne knows, and all it requires", () => {
    expect(contractViolations(outputs)).toEqual([]);
  });

  test("so do the Google Cloud cluster stack's outputs, with GCE worker specs", () => {
    const gce = synthAll(configFrom(undefined, gcpExampleText))["prod-cluster"].output!;
    expect(gce.kubeone_hosts.value.control_plane.cloud_provider).toBe("gce");
    expect(contractViolations(gce)).toEqual([]);
  });

  test("the contract check fails on an unknown field", () => {
    const tampered = structuredClone(outputs);
    tampered.kubeone_hosts.value.control_plane.ssh_password = "x";
    tampered.kubeone_workers.value["kkp-prod-worker-1"].providerSpec.cloudProviderSpec.subnetID = "x";
    expect(contractViolations(tampered)).toEqual([
      "kubeone_hosts.control_plane.ssh_password: unknown to KubeOne",
      "kubeone_workers.kkp-prod-worker-1.providerSpec.cloudProviderSpec.subnetID: unknown to KubeOne",
    ]);
  });

  test("names the cloud provider, the cluster and the bastion KubeOne tunnels through", () => {
    const cp = outputs.kubeone_hosts.value.control_plane;
    expect(cp).toMatchObject({ cluster_name: "kkp-prod", cloud_provider: "aws", operating_system: "ubuntu", ssh_user: "ubuntu", ssh_port: 22, bastion_user: "ubuntu", bastion_port: 22 });
    expect(cp.bastion).toMatch(/^\$\{aws_instance\.cluster_bastion_\w+\.public_ip\}$/);
    expect(cp.private_address).toHaveLength(3);
    expect(cp.hostnames.every((h: string) => h.endsWith(".private_dns}"))).toBe(true);
  });

  test("uses the SSH agent the pipeline starts, never a key file", () => {
    const cp = outputs.kubeone_hosts.value.control_plane;
    expect(cp.ssh_agent_socket).toBe("env:SSH_AUTH_SOCK");
    expect(cp.ssh_private_key_file).toBeUndefined();
  });

  test("points KubeOne at the API load balancer", () => {
    expect(outputs.kubeone_api.value.endpoint).toMatch(/^\$\{aws_lb\.cluster_api-lb_\w+\.dns_name\}$/);
  });

  test("has one MachineDeployment per worker pool and zone, with the configured size", () => {
    const workers = synthAll(
      configFrom((c) => {
        c.workers = [
          { name: "small", replicasPerZone: 2, machineType: "t3.large" },
          { name: "big", replicasPerZone: 1, machineType: "m6i.2xlarge", diskSizeGiB: 200 },
        ];
      }),
    )["prod-cluster"].output!.kubeone_workers.value;
    expect(Object.keys(workers).sort()).toEqual(["kkp-prod-big-1", "kkp-prod-big-2", "kkp-prod-big-3", "kkp-prod-small-1", "kkp-prod-small-2", "kkp-prod-small-3"]);
    expect(workers["kkp-prod-small-2"].replicas).toBe(2);
    expect(workers["kkp-prod-big-3"].providerSpec.cloudProviderSpec).toMatchObject({
      instanceType: "m6i.2xlarge",
      diskSize: 200,
      ebsVolumeEncrypted: true,
      assignPublicIP: false,
      region: "eu-central-1",
    });
    expect(workers["kkp-prod-big-3"].providerSpec.cloudProviderSpec.subnetId).toMatch(/private-3/);
  });
});
