import { configErrorFor, configFrom, dataSources, gcpExampleText, resources, synthAll, type TerraformJson } from "./helpers";

type Edit = Parameters<typeof configFrom>[0];
const gcpConfig = (edit?: Edit) => configFrom(edit, gcpExampleText);
const gcpStacks = (edit?: Edit) => synthAll(gcpConfig(edit));
const firewall = (stack: TerraformJson, name: string) => resources(stack, "google_compute_firewall").find((f) => f.name === name);

describe("GCP configuration", () => {
  test("defaults machine types, zones and network for Google Cloud", () => {
    const config = gcpConfig();
    expect([config.controlPlane.machineType, config.workers[0].machineType, config.bastion.machineType]).toEqual(["e2-standard-2", "e2-standard-4", "e2-micro"]);
    expect(config.cloud.provider === "gcp" && config.cloud.gcp.network).toEqual({ subnetCidr: "10.0.0.0/20" });
    expect(config.cloud.provider === "gcp" && config.cloud.gcp.image).toEqual({ family: "ubuntu-2404-lts-amd64", project: "ubuntu-os-cloud" });
  });

  test("names the state bucket from the project and region", () => {
    expect(gcpConfig().state.bucketName).toMatch(/^kkp-tfstate-[0-9a-f]{10}$/);
    expect(gcpConfig((c) => (c.cloud.gcp.project = "acme-kkp-test")).state.bucketName).not.toBe(gcpConfig().state.bucketName);
  });

  test("fails on a malformed project ID", () => {
    expect(configErrorFor((c) => (c.cloud.gcp.project = "Acme_Prod"), gcpExampleText)).toContain(
      'cloud.gcp.project: must be a Google Cloud project ID: 6-30 lowercase letters, digits or \'-\', starting with a letter, such as acme-kkp-prod (got "Acme_Prod")',
    );
  });

  test("fails on a malformed region", () => {
    expect(configErrorFor((c) => (c.cloud.gcp.region = "eu-central-1"), gcpExampleText)).toContain(
      'cloud.gcp.region: must be a Google Cloud region such as europe-west3 or us-central1 (got "eu-central-1")',
    );
  });

  test("fails on zones outside the region", () => {
    expect(configErrorFor((c) => (c.cloud.gcp.zones = ["europe-west3-a", "europe-west1-b"]), gcpExampleText)).toContain(
      'cloud.gcp.zones[1]: is not in region europe-west3; use europe-west3-a, europe-west3-b, ... (got "europe-west1-b")',
    );
  });

  test("fails on a subnetwork CIDR that is malformed or too small", () => {
    expect(configErrorFor((c) => (c.cloud.gcp.network = { subnetCidr: "10.0.0.0/28" }), gcpExampleText)).toContain(
      'cloud.gcp.network.subnetCidr: must have a prefix between /16 and /24, to leave room for the nodes (got "10.0.0.0/28")',
    );
    expect(configErrorFor((c) => (c.cloud.gcp.network = { subnetCidr: "10.0.0/20" }), gcpExampleText)).toContain(
      "cloud.gcp.network.subnetCidr: must be an IPv4 CIDR block",
    );
  });

  test("fails without the Cloud DNS managed zone", () => {
    expect(configErrorFor((c) => delete c.cloud.gcp.dnsManagedZone, gcpExampleText)).toContain(
      "cloud.gcp.dnsManagedZone: is required but missing",
    );
  });

  test("fails on AWS settings in a GCP section", () => {
    expect(configErrorFor((c) => (c.cloud.gcp.amiId = "ami-0123456789abcdef0"), gcpExampleText)).toContain("cloud.gcp.amiId: unknown setting");
  });
});

describe("GCP state stack", () => {
  const { state } = gcpStacks();
  const [bucket] = resources(state, "google_storage_bucket");

  test("creates a versioned bucket with uniform access and public access prevention, protected from destroy", () => {
    expect(bucket).toMatchObject({
      name: gcpConfig().state.bucketName,
      location: "EUROPE-WEST3",
      versioning: { enabled: true },
      uniform_bucket_level_access: true,
      public_access_prevention: "enforced",
      force_destroy: false,
      lifecycle: { prevent_destroy: true },
    });
  });

  test("every stack uses the GCS backend with its own prefix", () => {
    const stacks = gcpStacks();
    expect(Object.fromEntries(Object.entries(stacks).map(([id, s]) => [id, s.terraform.backend.gcs]))).toEqual({
      state: { bucket: bucket.name, prefix: "state" },
      ci: { bucket: bucket.name, prefix: "ci" },
      identity: { bucket: bucket.name, prefix: "identity" },
      "prod-cluster": { bucket: bucket.name, prefix: "prod/cluster" },
      "prod-dns": { bucket: bucket.name, prefix: "prod/dns" },
    });
  });
});

describe("GCP cluster stack", () => {
  const cluster = gcpStacks()["prod-cluster"];
  const instances = resources(cluster, "google_compute_instance");
  const controlPlane = instances.filter((i) => i.name.includes("-cp-"));

  test("creates a custom-mode network, a subnetwork and Cloud NAT with a reserved address", () => {
    expect(resources(cluster, "google_compute_network")).toEqual([expect.objectContaining({ name: "kkp-prod", auto_create_subnetworks: false })]);
    expect(resources(cluster, "google_compute_subnetwork")[0]).toMatchObject({ ip_cidr_range: "10.0.0.0/20", region: "europe-west3" });
    expect(resources(cluster, "google_compute_router_nat")[0]).toMatchObject({ nat_ip_allocate_option: "MANUAL_ONLY" });
    // The zones come from the region table the Seed reads too, not from a plan-time lookup.
    expect(dataSources(cluster, "google_compute_zones")).toEqual([]);
  });

  test("spreads three control-plane instances over three zones, without external addresses", () => {
    expect(controlPlane.map((i) => i.name)).toEqual(["kkp-prod-cp-1", "kkp-prod-cp-2", "kkp-prod-cp-3"]);
    expect(controlPlane.map((i) => i.zone)).toEqual(["europe-west3-a", "europe-west3-b", "europe-west3-c"]);
    for (const cp of controlPlane) expect(cp.network_interface[0].access_config).toBeUndefined();
  });

  test("boots shielded Ubuntu LTS instances and never replaces them for a newer image", () => {
    expect(dataSources(cluster, "google_compute_image")[0]).toEqual({ family: "ubuntu-2404-lts-amd64", project: "ubuntu-os-cloud" });
    for (const instance of instances) {
      expect(instance.shielded_instance_config).toEqual({ enable_secure_boot: true, enable_vtpm: true, enable_integrity_monitoring: true });
      expect(instance.lifecycle.ignore_changes).toEqual(["boot_disk[0].initialize_params[0].image"]);
      expect(instance.metadata).toMatchObject({ "block-project-ssh-keys": "TRUE", "ssh-keys": `ubuntu:${gcpConfig().ssh.publicKey}` });
    }
  });

  test("runs the control plane as a dedicated service account, never the default account", () => {
    // With OIDC the identity stack holds the account (identities.test.ts); the machines name it.
    expect(resources(cluster, "google_service_account")).toEqual([]);
    for (const cp of controlPlane) expect(cp.service_account).toEqual({ email: "kkp-prod-cp@acme-kkp-prod.iam.gserviceaccount.com", scopes: ["cloud-platform"] });
  });

  test("with static keys the cluster stack creates the control plane's account, which may write logs and metrics only", () => {
    const stacks = synthAll({ ...gcpConfig(), pipeline: { ...gcpConfig().pipeline, credentials: "static-keys" } });
    const own = stacks["prod-cluster"];
    const [account, ...more] = resources(own, "google_service_account");
    expect(more).toEqual([]);
    expect(account.account_id).toBe("kkp-prod-cp");
    const cp = resources(own, "google_compute_instance").filter((i) => i.name.includes("-cp-"));
    for (const instance of cp) expect(instance.service_account.email).toMatch(/^\$\{google_service_account\.cluster_control-plane-sa_account_\w+\.email\}$/);
    // The cloud controller and the disk driver use the KubeOne credentials, so nothing else is needed here.
    expect(resources(own, "google_project_iam_member").map((m) => m.role).sort()).toEqual(["roles/logging.logWriter", "roles/monitoring.metricWriter"]);
  });

  test("gives the bastion an external address and no service account", () => {
    const bastion = instances.find((i) => i.name === "kkp-prod-bastion");
    expect(bastion.network_interface[0].access_config).toEqual([{}]);
    expect(bastion.service_account).toBeUndefined();
    expect(bastion.tags).toEqual(["kkp-prod-bastion"]);
  });

  test("shortens long service account IDs to 30 characters and keeps them distinct", () => {
    const long = (env: string) =>
      resources(gcpStacks((c) => {
        c.name = "kkp-platform-ab";
        c.environments = [{ name: env }];
      }).identity, "google_service_account").find((a) => a.account_id.endsWith("-cp"))!.account_id;
    const [a, b] = [long("appsprod-eu1"), long("appsprod-eu2")];
    expect(a.length).toBeLessThanOrEqual(30);
    expect(a).not.toBe(b);
  });

  test("admits the API port only from Google's front ends and health checks", () => {
    expect(firewall(cluster, "kkp-prod-api")).toMatchObject({
      source_ranges: ["35.191.0.0/16", "130.211.0.0/22"],
      target_tags: ["kkp-prod-control-plane"],
      allow: [{ protocol: "tcp", ports: ["6443"] }],
    });
  });

  test("admits SSH to the nodes only from the bastion, and to the bastion only from IAP's forwarding range and access.sshCidrs", () => {
    expect(firewall(cluster, "kkp-prod-ssh")).toMatchObject({ source_tags: ["kkp-prod-bastion"], target_tags: ["kkp-prod"] });
    expect(firewall(cluster, "kkp-prod-bastion-ssh")).toMatchObject({ source_ranges: ["35.235.240.0/20"], target_tags: ["kkp-prod-bastion"] });
    const admins = gcpStacks((c) => (c.access.sshCidrs = ["198.51.100.0/24"]))["prod-cluster"];
    expect(firewall(admins, "kkp-prod-bastion-ssh").source_ranges).toEqual(["35.235.240.0/20", "198.51.100.0/24"]);
  });

  test("opens nothing to 0.0.0.0/0 and no NodePorts by default", () => {
    for (const rule of resources(cluster, "google_compute_firewall")) expect(rule.source_ranges ?? []).not.toContain("0.0.0.0/0");
    expect(firewall(cluster, "kkp-prod-nodeports")).toBeUndefined();
  });

  test("without a bastion, admits SSH from access.sshCidrs to the nodes", () => {
    const direct = gcpStacks((c) => Object.assign(c, { bastion: { enabled: false }, pipeline: { runner: "kkp-vpc" }, access: { ...c.access, sshCidrs: ["203.0.113.0/24"] } }))["prod-cluster"];
    expect(firewall(direct, "kkp-prod-ssh")).toMatchObject({ source_ranges: ["203.0.113.0/24"], target_tags: ["kkp-prod"] });
    expect(resources(direct, "google_compute_instance").map((i) => i.name)).not.toContain("kkp-prod-bastion");
  });

  test("serves the API through a global TCP proxy on 6443 with an HTTPS /healthz health check", () => {
    expect(resources(cluster, "google_compute_health_check")[0].https_health_check).toEqual({ port: 6443, request_path: "/healthz" });
    expect(resources(cluster, "google_compute_backend_service")[0]).toMatchObject({ protocol: "TCP", load_balancing_scheme: "EXTERNAL_MANAGED", port_name: "apiserver" });
    expect(resources(cluster, "google_compute_global_forwarding_rule")[0]).toMatchObject({ port_range: "6443", load_balancing_scheme: "EXTERNAL_MANAGED" });
    expect(resources(cluster, "google_compute_instance_group").map((g) => g.instances.length)).toEqual([1, 1, 1]);
  });

  test("puts no Cloud Armor policy in front of an API open to all", () => {
    const open = gcpStacks((c) => (c.access.apiCidrs = ["0.0.0.0/0"]))["prod-cluster"];
    expect(resources(open, "google_compute_security_policy")).toEqual([]);
    expect(resources(open, "google_compute_backend_service")[0].security_policy).toBeUndefined();
    expect(resources(cluster, "google_compute_security_policy")).toHaveLength(1);
  });

  test("restricts the API to access.apiCidrs and the NAT address with Cloud Armor", () => {
    const restricted = gcpStacks((c) => (c.access.apiCidrs = ["198.51.100.0/24"]))["prod-cluster"];
    const [policy] = resources(restricted, "google_compute_security_policy");
    expect(policy.rule.map((r: any) => [r.action, r.match.config.src_ip_ranges])).toEqual([
      ["allow", ["198.51.100.0/24", expect.stringMatching(/^\$\{google_compute_address\.cluster_network_nat-address_\w+\.address\}\/32$/)]],
      ["deny(403)", ["*"]],
    ]);
    expect(resources(restricted, "google_compute_backend_service")[0].security_policy).toMatch(/google_compute_security_policy/);
  });

  test("outputs the KubeOne contract with cloud_provider gce and one MachineDeployment per zone", () => {
    const outputs = cluster.output!;
    expect(outputs.kubeone_api.value.endpoint).toMatch(/^\$\{google_compute_global_address\.cluster_api_address_\w+\.address\}$/);
    expect(outputs.kubeone_hosts.value.control_plane).toMatchObject({ cloud_provider: "gce", cluster_name: "kkp-prod" });
    expect(Object.keys(outputs.kubeone_workers.value).sort()).toEqual(["kkp-prod-worker-1", "kkp-prod-worker-2", "kkp-prod-worker-3"]);
    expect(outputs.kubeone_workers.value["kkp-prod-worker-1"].providerSpec.cloudProviderSpec).toMatchObject({
      machineType: "e2-standard-4",
      assignPublicIPAddress: false,
      disableMachineServiceAccount: true,
      tags: ["kkp-prod"],
    });
  });

  test("uses an existing network and subnetwork by name", () => {
    const existing = gcpStacks((c) => (c.cloud.gcp.network = { existing: { network: "shared", subnetwork: "kkp", subnetCidr: "10.8.0.0/20" } }))["prod-cluster"];
    for (const type of ["google_compute_network", "google_compute_subnetwork", "google_compute_router_nat"]) expect(resources(existing, type)).toEqual([]);
    expect(firewall(existing, "kkp-prod-internal")).toMatchObject({ network: "projects/acme-kkp-prod/global/networks/shared", source_ranges: ["10.8.0.0/20"] });
    expect(resources(existing, "google_compute_instance")[0].network_interface[0].subnetwork).toBe("projects/acme-kkp-prod/regions/europe-west3/subnetworks/kkp");
  });
});

describe("GCP DNS stack", () => {
  const dns = gcpStacks()["prod-dns"];

  test("writes A records in the configured managed zone and checks that it serves dns.zone", () => {
    const [zone] = dataSources(dns, "google_dns_managed_zone");
    expect(zone.name).toBe("example-com");
    expect(zone.lifecycle.postcondition[0].condition).toBe('${self.dns_name == "example.com."}');
    expect(resources(dns, "google_dns_record_set").map((r) => [r.name, r.type, r.rrdatas]).sort()).toEqual([
      ["*.kkp.example.com.", "A", ["${var.ingress_target}"]],
      ["*.kubermatic.kkp.example.com.", "A", ["${var.nodeport_proxy_target}"]],
      ["kkp.example.com.", "A", ["${var.ingress_target}"]],
    ]);
  });
});
