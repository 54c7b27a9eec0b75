import { configFrom, dataSources, resources, synthAll, type TerraformJson } from "./helpers";

const clusterOf = (edit?: Parameters<typeof configFrom>[0]): TerraformJson => synthAll(configFrom(edit))["prod-cluster"];
const ingressRules = (stack: TerraformJson) => resources(stack, "aws_vpc_security_group_ingress_rule");
const group = (stack: TerraformJson, name: string) => `\${aws_security_group.${findKey(stack, "aws_security_group", (g) => g.name === name)}.id}`;

/** Subnets sorted by their Name tag: private-1..n, then public-1..n. */
const subnetsByName = (stack: TerraformJson) => resources(stack, "aws_subnet").sort((a, b) => a.tags.Name.localeCompare(b.tags.Name));

function findKey(stack: TerraformJson, type: string, match: (resource: any) => boolean): string {
  const entry = Object.entries(stack.resource[type] ?? {}).find(([, r]) => match(r));
  if (!entry) throw new Error(`no ${type} matches`);
  return entry[0];
}

describe("AWS cluster stack: network", () => {
  const cluster = clusterOf();

  test("creates a VPC with the configured CIDR and a public and a private subnet in each of three zones", () => {
    expect(resources(cluster, "aws_vpc")).toEqual([expect.objectContaining({ cidr_block: "10.0.0.0/16", enable_dns_hostnames: true })]);
    const subnets = subnetsByName(cluster);
    expect(subnets.map((s) => [s.tags.Name, s.cidr_block])).toEqual([
      ["kkp-prod-private-1", "10.0.128.0/20"],
      ["kkp-prod-private-2", "10.0.144.0/20"],
      ["kkp-prod-private-3", "10.0.160.0/20"],
      ["kkp-prod-public-1", "10.0.0.0/20"],
      ["kkp-prod-public-2", "10.0.16.0/20"],
      ["kkp-prod-public-3", "10.0.32.0/20"],
    ]);
    const zones = subnets.map((s) => s.availability_zone);
    expect(new Set(zones.slice(0, 3)).size).toBe(3);
    expect(zones.slice(3)).toEqual(zones.slice(0, 3));
    const [lookup] = dataSources(cluster, "aws_availability_zones");
    expect(lookup.state).toBe("available");
    expect(lookup.lifecycle.postcondition[0].condition).toBe("${length(self.names) >= 3}");
  });

  test("tags subnets for the cloud controller's load balancers", () => {
    const subnets = subnetsByName(cluster);
    for (const s of subnets.slice(0, 3)) expect(s.tags).toMatchObject({ "kubernetes.io/role/internal-elb": "1", "kubernetes.io/cluster/kkp-prod": "owned" });
    for (const s of subnets.slice(3)) expect(s.tags).toMatchObject({ "kubernetes.io/role/elb": "1", "kubernetes.io/cluster/kkp-prod": "owned" });
  });

  /** For each subnet (by Name tag), where its default route leads: the internet gateway, or a NAT gateway's subnet. */
  function egressOf(stack: TerraformJson): Record<string, string> {
    const key = (type: string, ref: string) => ref.match(new RegExp(`^\\$\\{${type}\\.([^.]+)\\.id\\}$`))![1];
    const subnetName = Object.fromEntries(Object.entries<any>(stack.resource.aws_subnet).map(([k, s]) => [k, s.tags.Name]));
    return Object.fromEntries(
      resources(stack, "aws_route_table_association").map((association) => {
        const route = stack.resource.aws_route_table[key("aws_route_table", association.route_table_id)].route[0];
        const target = route.gateway_id
          ? "internet gateway"
          : `NAT in ${subnetName[key("aws_subnet", stack.resource.aws_nat_gateway[key("aws_nat_gateway", route.nat_gateway_id)].subnet_id)]}`;
        return [subnetName[key("aws_subnet", association.subnet_id)], target];
      }),
    );
  }

  test("routes each zone's private subnet through a NAT gateway in the same zone, public ones through the internet gateway", () => {
    expect(egressOf(cluster)).toEqual({
      "kkp-prod-public-1": "internet gateway",
      "kkp-prod-public-2": "internet gateway",
      "kkp-prod-public-3": "internet gateway",
      "kkp-prod-private-1": "NAT in kkp-prod-public-1",
      "kkp-prod-private-2": "NAT in kkp-prod-public-2",
      "kkp-prod-private-3": "NAT in kkp-prod-public-3",
    });
    expect(resources(cluster, "aws_nat_gateway")).toHaveLength(3);
    expect(new Set(resources(cluster, "aws_nat_gateway").map((n) => n.allocation_id)).size).toBe(3);
  });

  test("a single NAT gateway is a cost choice: every private subnet then leaves through the first zone", () => {
    const single = clusterOf((c) => (c.cloud.aws.vpc = { natGateways: "single" }));
    expect(resources(single, "aws_nat_gateway")).toHaveLength(1);
    expect(Object.entries(egressOf(single)).filter(([name]) => name.includes("private")).map(([, target]) => target)).toEqual([
      "NAT in kkp-prod-public-1",
      "NAT in kkp-prod-public-1",
      "NAT in kkp-prod-public-1",
    ]);
    // The first zone's gateway keeps the construct IDs it had when there was only one, so nothing is replaced.
    expect(Object.keys(single.resource.aws_nat_gateway)).toEqual(Object.keys(cluster.resource.aws_nat_gateway).filter((k) => k.startsWith("cluster_network_nat_")));
  });

  test("uses the configured availability zones literally", () => {
    const zones = ["eu-central-1b", "eu-central-1c"];
    const custom = clusterOf((c) => (c.cloud.aws.availabilityZones = zones));
    expect(subnetsByName(custom).map((s) => s.availability_zone)).toEqual([...zones, ...zones]);
    expect(dataSources(custom, "aws_availability_zones")).toEqual([]);
  });

  test("uses an existing VPC by ID without creating network resources", () => {
    const existing = clusterOf((c) => {
      c.cloud.aws.vpc = {
        existing: { vpcId: "vpc-0123456789abcdef0", publicSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa"], privateSubnetIds: ["subnet-0bbbbbbbbbbbbbbbb", "subnet-0cccccccccccccccc"] },
      };
      // The VPC's own NAT address, which the nodes join the API from.
      c.access.apiCidrs = ["198.51.100.17/32"];
    });
    for (const type of ["aws_vpc", "aws_subnet", "aws_nat_gateway", "aws_internet_gateway"]) expect(resources(existing, type)).toEqual([]);
    expect(resources(existing, "aws_security_group")[0].vpc_id).toBe("vpc-0123456789abcdef0");
    expect(resources(existing, "aws_lb")[0].subnets).toEqual(["subnet-0aaaaaaaaaaaaaaaa"]);
    expect(resources(existing, "aws_instance").filter((i) => i.iam_instance_profile && !i.tags.Name.endsWith("bastion")).map((i) => i.subnet_id)).toEqual([
      "subnet-0bbbbbbbbbbbbbbbb",
      "subnet-0cccccccccccccccc",
      "subnet-0bbbbbbbbbbbbbbbb",
    ]);
    expect(dataSources(existing, "aws_subnet").map((s) => s.id)).toEqual(["subnet-0bbbbbbbbbbbbbbbb", "subnet-0cccccccccccccccc"]);
  });
});

describe("AWS cluster stack: security groups", () => {
  const cluster = clusterOf();

  test("opens the API load balancer only to the NAT gateways' addresses by default, and to access.apiCidrs", () => {
    const lbGroup = group(cluster, "kkp-prod-api-lb");
    const sources = ingressRules(cluster).filter((r) => r.security_group_id === lbGroup);
    // Every zone's NAT address: the nodes of each zone reach the API's public endpoint from their own.
    const nat = (suffix: string) => [expect.stringMatching(new RegExp(`^\\$\\{aws_eip\\.cluster_network_nat-eip${suffix}_\\w+\\.public_ip\\}/32$`)), 6443, 6443];
    expect(sources.map((r) => [r.cidr_ipv4, r.from_port, r.to_port])).toEqual([nat(""), nat("-2"), nat("-3")]);
    const admins = clusterOf((c) => (c.access.apiCidrs = ["198.51.100.0/24"]));
    const adminSources = ingressRules(admins).filter((r) => r.security_group_id === group(admins, "kkp-prod-api-lb"));
    expect(adminSources.map((r) => [r.cidr_ipv4, r.from_port, r.to_port])).toEqual([["198.51.100.0/24", 6443, 6443], nat(""), nat("-2"), nat("-3")]);
  });

  test("admits the API on the nodes only from the load balancer", () => {
    const nodes = group(cluster, "kkp-prod-nodes");
    const api = ingressRules(cluster).filter((r) => r.security_group_id === nodes && r.from_port === 6443);
    expect(api).toHaveLength(1);
    expect(api[0].referenced_security_group_id).toBe(group(cluster, "kkp-prod-api-lb"));
    expect(api[0]).not.toHaveProperty("cidr_ipv4");
  });

  test("admits SSH to the nodes only from the bastion, and to the bastion from nowhere by default (the pipeline comes through Session Manager)", () => {
    const nodes = group(cluster, "kkp-prod-nodes");
    const bastion = group(cluster, "kkp-prod-bastion");
    const ssh = ingressRules(cluster).filter((r) => r.from_port === 22);
    expect(ssh.filter((r) => r.security_group_id === nodes)).toEqual([expect.objectContaining({ referenced_security_group_id: bastion })]);
    expect(ssh.filter((r) => r.security_group_id === bastion).map((r) => r.cidr_ipv4)).toEqual([]);
    const admins = clusterOf((c) => (c.access.sshCidrs = ["198.51.100.0/24"]));
    expect(ingressRules(admins).filter((r) => r.from_port === 22 && r.security_group_id === group(admins, "kkp-prod-bastion")).map((r) => r.cidr_ipv4)).toEqual(["198.51.100.0/24"]);
  });

  test("allows all traffic between nodes", () => {
    const nodes = group(cluster, "kkp-prod-nodes");
    expect(ingressRules(cluster)).toContainEqual(expect.objectContaining({ security_group_id: nodes, referenced_security_group_id: nodes, ip_protocol: "-1" }));
  });

  test("opens nothing to 0.0.0.0/0 and no NodePorts by default", () => {
    const open = ingressRules(cluster).filter((r) => r.cidr_ipv4 === "0.0.0.0/0");
    expect(open).toEqual([]);
    expect(ingressRules(cluster).filter((r) => r.from_port === 30000)).toEqual([]);
  });

  test("opens the configured NodePort range to access.nodePortCidrs", () => {
    const custom = clusterOf((c) => {
      c.access.nodePortCidrs = ["198.51.100.0/24"];
      c.access.nodePortRange = { from: 31000, to: 31999 };
    });
    expect(ingressRules(custom).filter((r) => r.from_port === 31000)).toEqual([
      expect.objectContaining({ security_group_id: group(custom, "kkp-prod-nodes"), cidr_ipv4: "198.51.100.0/24", to_port: 31999, ip_protocol: "tcp" }),
    ]);
  });

  test("without a bastion, admits SSH to the nodes from access.sshCidrs and creates no bastion", () => {
    const direct = clusterOf((c) => Object.assign(c, { bastion: { enabled: false }, pipeline: { runner: "kkp-vpc" }, access: { sshCidrs: ["203.0.113.0/24"] } }));
    const nodes = group(direct, "kkp-prod-nodes");
    expect(ingressRules(direct).filter((r) => r.from_port === 22)).toEqual([expect.objectContaining({ security_group_id: nodes, cidr_ipv4: "203.0.113.0/24" })]);
    expect(resources(direct, "aws_instance").filter((i) => i.tags.Name.endsWith("bastion"))).toEqual([]);
    expect(direct.output!.kubeone_hosts.value.control_plane.bastion).toBeUndefined();
  });

  test("only the nodes' group carries the cluster tag, as the AWS cloud controller requires", () => {
    const tagged = resources(cluster, "aws_security_group").filter((g) => g.tags["kubernetes.io/cluster/kkp-prod"]);
    expect(tagged.map((g) => g.name)).toEqual(["kkp-prod-nodes"]);
  });
});

describe("AWS cluster stack: machines", () => {
  const cluster = clusterOf();
  const controlPlane = resources(cluster, "aws_instance").filter((i) => i.tags.Name.includes("-cp-"));

  test("creates three control-plane instances spread over the private subnets", () => {
    expect(controlPlane).toHaveLength(3);
    expect(new Set(controlPlane.map((i) => i.subnet_id)).size).toBe(3);
    expect(controlPlane.every((i) => i.subnet_id.includes("private"))).toBe(true);
    expect(controlPlane.every((i) => i.associate_public_ip_address === undefined && i.instance_type === "t3.large")).toBe(true);
  });

  test("creates as many control-plane instances as configured", () => {
    const five = resources(clusterOf((c) => (c.controlPlane.count = 5)), "aws_instance").filter((i) => i.tags.Name.includes("-cp-"));
    expect(five.map((i) => i.tags.Name)).toEqual(["kkp-prod-cp-1", "kkp-prod-cp-2", "kkp-prod-cp-3", "kkp-prod-cp-4", "kkp-prod-cp-5"]);
  });

  test("requires IMDSv2 and encrypts root volumes on every instance", () => {
    for (const instance of resources(cluster, "aws_instance")) {
      expect(instance.metadata_options).toMatchObject({ http_tokens: "required", http_endpoint: "enabled" });
      expect(instance.root_block_device).toMatchObject({ encrypted: true, volume_type: "gp3" });
    }
  });

  test("boots the newest Ubuntu 24.04 LTS image from Canonical and never replaces machines for a newer one", () => {
    const [ami] = dataSources(cluster, "aws_ami");
    expect(ami.owners).toEqual(["099720109477"]);
    expect(ami.most_recent).toBe(true);
    expect(ami.filter).toContainEqual({ name: "name", values: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"] });
    for (const instance of resources(cluster, "aws_instance")) expect(instance.lifecycle.ignore_changes).toEqual(["ami"]);
  });

  test("uses a pinned AMI without looking one up", () => {
    const pinned = clusterOf((c) => (c.cloud.aws.amiId = "ami-0123456789abcdef0"));
    expect(dataSources(pinned, "aws_ami")).toEqual([]);
    expect(resources(pinned, "aws_instance").every((i) => i.ami === "ami-0123456789abcdef0")).toBe(true);
    expect(pinned.output!.kubeone_workers.value["kkp-prod-worker-1"].providerSpec.cloudProviderSpec.ami).toBe("ami-0123456789abcdef0");
  });

  test("installs the configured SSH public key as a key pair", () => {
    expect(resources(cluster, "aws_key_pair")).toEqual([
      expect.objectContaining({ key_name: "kkp-prod-deployer", public_key: configFrom().ssh.publicKey }),
    ]);
  });

  test("puts the bastion in a public subnet with a public address", () => {
    const [bastion] = resources(cluster, "aws_instance").filter((i) => i.tags.Name === "kkp-prod-bastion");
    expect(bastion).toMatchObject({ associate_public_ip_address: true, instance_type: "t3.micro" });
    expect(bastion.subnet_id).toContain("public");
  });
});

describe("AWS cluster stack: IAM", () => {
  const cluster = clusterOf();
  const rolePolicies = resources(cluster, "aws_iam_role_policy");
  // The nodes' policies, control plane first; the bastion's is its SSM agent's only (below).
  const policies = rolePolicies.filter((p) => !p.name.endsWith("-bastion")).map((p) => JSON.parse(p.policy));

  test("gives the bastion only what its Session Manager agent calls: no parameter reads, nothing else", () => {
    const [bastion] = rolePolicies.filter((p) => p.name === "kkp-prod-bastion").map((p) => JSON.parse(p.policy).Statement[0].Action as string[]);
    expect(bastion.every((a) => /^(ssm|ssmmessages|ec2messages):/.test(a))).toBe(true);
    expect(bastion).toEqual(expect.arrayContaining(["ssmmessages:OpenDataChannel", "ssm:UpdateInstanceInformation"]));
    expect(bastion.filter((a) => a.startsWith("ssm:GetParameter"))).toEqual([]);
  });

  test("gives control plane and workers their own instance profile", () => {
    expect(resources(cluster, "aws_iam_instance_profile").map((p) => p.name)).toEqual(["kkp-prod-bastion", "kkp-prod-control-plane", "kkp-prod-worker"]);
    expect(resources(cluster, "aws_instance").filter((i) => i.tags.Name.includes("-cp-")).every((i) => i.iam_instance_profile.includes("control-plane-iam"))).toBe(true);
  });

  test("grants no wildcard action", () => {
    for (const policy of policies) {
      for (const statement of policy.Statement) {
        for (const action of statement.Action) expect(action).not.toMatch(/\*/);
      }
    }
  });

  test("lets the control plane manage load balancers and volumes for KKP's services, and the workers change nothing", () => {
    const [controlPlane, worker] = policies.map((p) => p.Statement[0].Action as string[]);
    expect(controlPlane).toEqual(expect.arrayContaining(["elasticloadbalancing:CreateLoadBalancer", "ec2:CreateSecurityGroup", "ec2:DescribeVolumes"]));
    expect(policies[0].Statement.flatMap((st: any) => [st.Action].flat())).toEqual(expect.arrayContaining(["ec2:AttachVolume", "ec2:CreateVolume", "ec2:DeleteVolume"]));
    expect(worker.filter((a) => a.startsWith("elasticloadbalancing:"))).toEqual([]);
    expect(worker).toEqual(expect.arrayContaining(["ec2:DescribeInstances", "ecr:GetAuthorizationToken"]));
    expect(worker.filter((a) => !a.startsWith("ecr:"))).toEqual(["ec2:DescribeInstances", "ec2:DescribeRegions"]);
  });
});

describe("AWS cluster stack: the EBS driver's volume rights", () => {
  const policy = JSON.parse(resources(clusterOf(), "aws_iam_role_policy").find((p) => p.name === "kkp-prod-control-plane")!.policy);
  const statements: any[] = policy.Statement;
  const allowing = (action: string) => statements.filter((st) => [st.Action].flat().includes(action));
  /** Whether some statement allows `action` on a resource of `kind` carrying `tags` (request tags on create). */
  const allowed = (action: string, kind: string, tags: Record<string, string>, extra: Record<string, string> = {}) =>
    allowing(action).some((st) => {
      const resources = [st.Resource].flat();
      if (!resources.some((r: string) => r === "*" || r.endsWith(`:${kind}/*`) || r.endsWith(`:${kind}/vol-*`))) return false;
      return Object.entries<any>(st.Condition ?? {}).every(([operator, checks]) =>
        Object.entries<any>(checks).every(([key, expected]) => {
          const actual = /^(aws:RequestTag|aws:ResourceTag|ec2:ResourceTag)\//.test(key) ? tags[key.split("/").slice(1).join("/")] : extra[key];
          if (actual === undefined) return false;
          return [expected].flat().some((value: string) => (operator === "StringLike" ? new RegExp(`^${value.replace(/\*/g, ".*")}$`).test(actual) : value === actual));
        }),
      );
    });

  test("deletes only volumes and snapshots the driver tagged, never another's", () => {
    expect(allowed("ec2:DeleteVolume", "volume", {})).toBe(false);
    expect(allowed("ec2:DeleteVolume", "volume", { Name: "kkp-prod-bastion-root" })).toBe(false);
    expect(allowed("ec2:DeleteVolume", "volume", { "ebs.csi.aws.com/cluster": "true" })).toBe(true);
    expect(allowed("ec2:DeleteVolume", "volume", { CSIVolumeName: "pvc-1" })).toBe(true);
    expect(allowed("ec2:DeleteSnapshot", "snapshot", {})).toBe(false);
    expect(allowed("ec2:DeleteSnapshot", "snapshot", { CSIVolumeSnapshotName: "snap-1" })).toBe(true);
  });

  test("creates volumes only with the driver's tags, and tags only while creating", () => {
    expect(allowed("ec2:CreateVolume", "volume", {})).toBe(false);
    expect(allowed("ec2:CreateVolume", "volume", { "ebs.csi.aws.com/cluster": "true" })).toBe(true);
    expect(allowed("ec2:CreateTags", "volume", {})).toBe(false);
    expect(allowed("ec2:CreateTags", "volume", {}, { "ec2:CreateAction": "CreateVolume" })).toBe(true);
    // No volume change on every resource: the only `*` statement reads and runs the cloud controller.
    const wide = statements.filter((st) => st.Resource === "*");
    expect(wide).toHaveLength(1);
    for (const action of ["ec2:AttachVolume", "ec2:CreateVolume", "ec2:DeleteVolume", "ec2:CreateTags", "ec2:DeleteTags", "ec2:ModifyVolume", "ec2:CreateSnapshot", "ec2:DeleteSnapshot"]) {
      expect(wide[0].Action).not.toContain(action);
    }
  });

  test("the cloud controller tags its load balancers' security groups while creating them, and re-tags only its cluster's", () => {
    expect(allowed("ec2:CreateTags", "security-group", {}, { "ec2:CreateAction": "CreateSecurityGroup" })).toBe(true);
    expect(allowed("ec2:CreateTags", "security-group", { "kubernetes.io/cluster/kkp-prod": "owned" })).toBe(true);
    expect(allowed("ec2:CreateTags", "security-group", { "kubernetes.io/cluster/other-prod": "owned" })).toBe(false);
    expect(allowed("ec2:CreateTags", "instance", {})).toBe(false);
  });

  test("clones a volume from any source, creating the clone with the driver's tags only", () => {
    expect(allowed("ec2:CopyVolumes", "volume", {})).toBe(true);
    expect(allowing("ec2:CopyVolumes").find((st) => !st.Condition)!.Resource).toMatch(/:volume\/vol-\*$/);
  });

  test("every action a node or bastion role holds is within the identity stack's permissions boundary", () => {
    const identity = synthAll(configFrom())["identity"];
    const boundary = JSON.parse(resources(identity, "aws_iam_policy").find((p) => p.name.includes("-nodes-boundary-"))!.policy).Statement[0].Action as string[];
    const held = resources(clusterOf(), "aws_iam_role_policy").flatMap((p) => JSON.parse(p.policy).Statement.flatMap((st: any) => [st.Action].flat()));
    expect(held.filter((action: string) => !boundary.includes(action))).toEqual([]);
  });
});

describe("AWS cluster stack: API load balancer", () => {
  const cluster = clusterOf();

  test("is an internet-facing NLB in the public subnets behind its own security group", () => {
    const [lb] = resources(cluster, "aws_lb");
    expect(lb).toMatchObject({ name: "kkp-prod-api", load_balancer_type: "network", internal: false });
    expect(lb.subnets).toHaveLength(3);
    expect(lb.security_groups).toEqual([group(cluster, "kkp-prod-api-lb")]);
  });

  test("forwards TCP 6443 to the control plane, checking HTTPS /healthz", () => {
    const [targets] = resources(cluster, "aws_lb_target_group");
    expect(targets).toMatchObject({ port: 6443, protocol: "TCP", preserve_client_ip: "false" });
    expect(targets.health_check).toMatchObject({ protocol: "HTTPS", port: "6443", path: "/healthz" });
    expect(resources(cluster, "aws_lb_listener")).toEqual([expect.objectContaining({ port: 6443, protocol: "TCP" })]);
    expect(resources(cluster, "aws_lb_target_group_attachment").map((a) => a.target_id)).toEqual([
      "${aws_instance.cluster_control-plane-1_8D47641B.id}",
      "${aws_instance.cluster_control-plane-2_0B7D56D3.id}",
      "${aws_instance.cluster_control-plane-3_C818BCEB.id}",
    ]);
  });
});

describe("AWS provider", () => {
  test("runs in the configured region and tags everything with the installation and the configured tags", () => {
    const [provider] = clusterOf().provider.aws;
    expect(provider.region).toBe("eu-central-1");
    // The cluster's own tag is what its environment's apply role may change.
    expect(provider.default_tags).toEqual([{ tags: { "kkp.k8c.io/installation": "kkp", "kkp.k8c.io/cluster": "kkp-prod", owner: "platform-team" } }]);
    expect(provider.allowed_account_ids).toEqual(["123456789012"]);
  });
});
