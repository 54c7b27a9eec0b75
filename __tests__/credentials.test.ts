/**
 * The long-lived credentials the identity stack defines for what runs inside the clusters (KubeOne's, and on AWS the
 * KKP Preset's policy): judged by evaluating their policies on sample requests, with IAM's matching rules.
 */
import { configFrom, gcpExampleText, resources, synthAll } from "./helpers";

/** IAM's StringLike and ARN wildcards: `*` any run of characters, `?` one, everything else literal. */
const like = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(value);

interface Request {
  readonly action: string;
  readonly resource: string;
  /** Condition keys and their values, e.g. `aws:RequestTag/<key>`, `ec2:CreateAction`. */
  readonly context?: Record<string, string>;
}

/** Whether some Allow statement of `policy` admits the request (no Deny statements are used here). */
function allows(policy: any, request: Request): boolean {
  return policy.Statement.some((st: any) => {
    if (st.Effect !== "Allow") return false;
    if (![st.Action].flat().some((a: string) => like(a, request.action))) return false;
    if (![st.Resource].flat().some((r: string) => like(r, request.resource))) return false;
    return Object.entries<any>(st.Condition ?? {}).every(([operator, checks]) =>
      Object.entries<any>(checks).every(([key, expected]) => {
        const actual = request.context?.[key];
        if (actual === undefined) return false;
        return [expected].flat().some((value: string) => (operator === "StringLike" ? like(value, actual) : value === actual));
      }),
    );
  });
}

describe("AWS: KubeOne's credentials, one IAM user per environment", () => {
  const config = configFrom();
  const identity = synthAll(config).identity;
  const users = resources(identity, "aws_iam_user").filter((u) => u.name.includes("-kubeone-"));
  const policies = resources(identity, "aws_iam_user_policy").filter((p) => p.name.includes("-kubeone-"));
  const env = config.environments[0];
  const policy = JSON.parse(policies[0].policy);
  const account = (config.cloud as any).aws.accountId;
  const region = (config.cloud as any).aws.region;
  const instance = `arn:aws:ec2:${region}:${account}:instance/i-0123456789abcdef0`;
  const workerTag = `${env.clusterName}-workers`;

  test("one user per environment, no access key in any state (an admin creates it)", () => {
    expect(users.map((u) => u.name)).toEqual([`kkp-${env.name}-kubeone-${config.installationHash}`]);
    expect(resources(identity, "aws_iam_access_key")).toEqual([]);
    expect(identity.output![`kubeone_user_${env.name}`].value).toBe(users[0].name);
  });

  test("starts instances only carrying the worker tag, with the worker role only", () => {
    expect(allows(policy, { action: "ec2:RunInstances", resource: instance })).toBe(false);
    expect(allows(policy, { action: "ec2:RunInstances", resource: instance, context: { [`aws:RequestTag/${workerTag}`]: "general" } })).toBe(true);
    expect(allows(policy, { action: "ec2:RunInstances", resource: `arn:aws:ec2:${region}::image/ami-0123` })).toBe(true);
    expect(allows(policy, { action: "iam:PassRole", resource: `arn:aws:iam::${account}:role/${env.clusterName}-worker`, context: { "iam:PassedToService": "ec2.amazonaws.com" } })).toBe(true);
    expect(allows(policy, { action: "iam:PassRole", resource: `arn:aws:iam::${account}:role/${env.clusterName}-control-plane`, context: { "iam:PassedToService": "ec2.amazonaws.com" } })).toBe(false);
    expect(allows(policy, { action: "iam:PassRole", resource: `arn:aws:iam::${account}:role/${env.clusterName}-worker`, context: { "iam:PassedToService": "lambda.amazonaws.com" } })).toBe(false);
  });

  test("starts workers only in its own cluster's security groups and subnets", () => {
    const own = { "aws:ResourceTag/kkp.k8c.io/cluster": env.clusterName };
    const other = { "aws:ResourceTag/kkp.k8c.io/cluster": "kkp-other" };
    for (const kind of ["security-group/sg-0123", "subnet/subnet-0123"]) {
      const resource = `arn:aws:ec2:${region}:${account}:${kind}`;
      expect(allows(policy, { action: "ec2:RunInstances", resource, context: own })).toBe(true);
      expect(allows(policy, { action: "ec2:RunInstances", resource, context: other })).toBe(false);
      expect(allows(policy, { action: "ec2:RunInstances", resource })).toBe(false);
    }
    // What RunInstances creates with the instance carries no tags yet.
    expect(allows(policy, { action: "ec2:RunInstances", resource: `arn:aws:ec2:${region}:${account}:network-interface/eni-0123` })).toBe(true);
    expect(allows(policy, { action: "ec2:RunInstances", resource: `arn:aws:ec2:${region}:${account}:volume/vol-0123` })).toBe(true);
  });

  test("with an existing VPC, subnets are admitted by that VPC, security groups still by the cluster's tag", () => {
    const vpcId = "vpc-0a1b2c3d4e5f60718";
    const existing = configFrom((c) => Object.assign(c.cloud.aws, { vpc: { existing: { vpcId, publicSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa"], privateSubnetIds: ["subnet-0bbbbbbbbbbbbbbbb"] } } }) && (c.access.apiCidrs = ["198.51.100.0/24"]));
    const stack = synthAll(existing).identity;
    const own = JSON.parse(resources(stack, "aws_iam_user_policy")[0].policy);
    const subnet = `arn:aws:ec2:${region}:${account}:subnet/subnet-0bbbbbbbbbbbbbbbb`;
    expect(allows(own, { action: "ec2:RunInstances", resource: subnet, context: { "ec2:Vpc": `arn:aws:ec2:${region}:${account}:vpc/${vpcId}` } })).toBe(true);
    expect(allows(own, { action: "ec2:RunInstances", resource: subnet, context: { "ec2:Vpc": `arn:aws:ec2:${region}:${account}:vpc/vpc-0ther` } })).toBe(false);
  });

  test("ends and re-tags only workers: never a control-plane machine, the bastion or another cluster's", () => {
    const controlPlaneTags = { [`aws:ResourceTag/kubernetes.io/cluster/${env.clusterName}`]: "owned", "aws:ResourceTag/Name": `${env.clusterName}-cp-1` };
    expect(allows(policy, { action: "ec2:TerminateInstances", resource: instance, context: controlPlaneTags })).toBe(false);
    expect(allows(policy, { action: "ec2:TerminateInstances", resource: instance, context: { "aws:ResourceTag/other-prod-workers": "general" } })).toBe(false);
    expect(allows(policy, { action: "ec2:TerminateInstances", resource: instance, context: { [`aws:ResourceTag/${workerTag}`]: "general" } })).toBe(true);
    expect(allows(policy, { action: "ec2:CreateTags", resource: instance, context: controlPlaneTags })).toBe(false);
    expect(allows(policy, { action: "ec2:CreateTags", resource: instance, context: { "ec2:CreateAction": "RunInstances" } })).toBe(true);
  });

  test("no other IAM action, no wildcard action, nothing outside EC2 but its own etcd backups", () => {
    const actions: string[] = policy.Statement.flatMap((st: any) => [st.Action].flat());
    expect(actions.filter((a) => a.startsWith("iam:"))).toEqual(["iam:PassRole"]);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    expect(actions.every((a) => a.startsWith("ec2:") || a.startsWith("s3:") || a === "iam:PassRole")).toBe(true);
    // S3 only on the environment's backup bucket: restic lists, reads, writes and prunes there, nowhere else.
    const bucket = env.etcdBackupBucket!;
    expect(allows(policy, { action: "s3:ListBucket", resource: `arn:aws:s3:::${bucket}` })).toBe(true);
    for (const action of ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]) {
      expect(allows(policy, { action, resource: `arn:aws:s3:::${bucket}/data/0a/0a1b` })).toBe(true);
      expect(allows(policy, { action, resource: `arn:aws:s3:::${config.state.bucketName}/prod-cluster.tfstate` })).toBe(false);
    }
    expect(allows(policy, { action: "s3:DeleteBucket", resource: `arn:aws:s3:::${bucket}` })).toBe(false);
    expect(allows(policy, { action: "s3:PutBucketPolicy", resource: `arn:aws:s3:::${bucket}` })).toBe(false);
  });

  test("KKP's user-cluster backups write with a user of their own, into their own bucket only, its key made by an admin", () => {
    const [backups] = resources(identity, "aws_iam_user").filter((u) => u.name.includes("-backups-"));
    expect(backups.name).toBe(`kkp-${env.name}-backups-${config.installationHash}`);
    const own = JSON.parse(resources(identity, "aws_iam_user_policy").find((p) => p.name === backups.name).policy);
    const bucket = env.userClusterBackupBucket!;
    for (const action of ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]) {
      expect(allows(own, { action, resource: `arn:aws:s3:::${bucket}/kkp-cluster-x7k2-2026-12-02` })).toBe(true);
      expect(allows(own, { action, resource: `arn:aws:s3:::${env.etcdBackupBucket}/data/0a` })).toBe(false);
    }
    expect(allows(own, { action: "ec2:RunInstances", resource: instance })).toBe(false);
    expect(identity.output![`user_cluster_backups_user_${env.name}`].value).toBe(backups.name);
  });

  test("environments get distinct users scoped to their own cluster", () => {
    const multi = configFrom((c) => (c.environments = [{ name: "ops" }, { name: "apps" }]));
    const stack = synthAll(multi).identity;
    const byUser = resources(stack, "aws_iam_user_policy").filter((p) => p.name.includes("-kubeone-")).map((p) => JSON.parse(p.policy));
    expect(new Set(resources(stack, "aws_iam_user").filter((u) => u.name.includes("-kubeone-")).map((u) => u.name)).size).toBe(2);
    const [ops, apps] = multi.environments;
    const tagged = (cluster: string) => ({ [`aws:ResourceTag/${cluster}-workers`]: "general" });
    expect(allows(byUser[0], { action: "ec2:TerminateInstances", resource: instance, context: tagged(ops.clusterName) })).not.toBe(
      allows(byUser[0], { action: "ec2:TerminateInstances", resource: instance, context: tagged(apps.clusterName) }),
    );
  });
});

describe("AWS: the KKP Preset's policy", () => {
  const config = configFrom();
  const identity = synthAll(config).identity;
  const managed = resources(identity, "aws_iam_policy").find((p) => p.name === `kkp-preset-${config.installationHash}`)!;
  const policy = JSON.parse(managed.policy);
  const account = (config.cloud as any).aws.accountId;

  test("manages only the roles and instance profiles KKP names for user clusters", () => {
    expect(allows(policy, { action: "iam:CreateRole", resource: `arn:aws:iam::${account}:role/kubernetes-abc123-worker` })).toBe(true);
    expect(allows(policy, { action: "iam:PassRole", resource: `arn:aws:iam::${account}:role/kubernetes-abc123-worker`, context: { "iam:PassedToService": "ec2.amazonaws.com" } })).toBe(true);
    expect(allows(policy, { action: "iam:PassRole", resource: `arn:aws:iam::${account}:role/kubernetes-abc123-worker`, context: { "iam:PassedToService": "lambda.amazonaws.com" } })).toBe(false);
    expect(allows(policy, { action: "iam:PutRolePolicy", resource: `arn:aws:iam::${account}:role/${config.environments[0].clusterName}-control-plane` })).toBe(false);
    expect(allows(policy, { action: "iam:PassRole", resource: `arn:aws:iam::${account}:role/kkp-${config.environments[0].name}-apply-${config.installationHash}` })).toBe(false);
    const actions: string[] = policy.Statement.flatMap((st: any) => [st.Action].flat());
    for (const never of ["iam:CreateUser", "iam:CreateAccessKey", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy"]) expect(actions).not.toContain(never);
  });

  test("is also an output, to create it in the account of the user clusters", () => {
    expect(JSON.parse(identity.output!.kkp_preset_policy.value)).toEqual(policy);
  });
});

describe("Google Cloud: KubeOne's credentials, one service account per environment", () => {
  const config = configFrom(undefined, gcpExampleText);
  const identity = synthAll(config).identity;
  const env = config.environments[0];
  const [account] = resources(identity, "google_service_account").filter((a) => a.account_id.includes("-kubeone-"));
  const grants = resources(identity, "google_project_iam_member").filter((m) => m.member.includes("kubeone"));

  test("holds the compute roles its three consumers need, nothing of IAM, storage buckets or DNS", () => {
    expect(account.account_id).toBe(`${env.name}-kubeone-${config.installationHash}`);
    expect(account.account_id.length).toBeLessThanOrEqual(30);
    expect(grants.map((g) => g.role).sort()).toEqual([
      "roles/compute.instanceAdmin.v1",
      "roles/compute.loadBalancerAdmin",
      "roles/compute.securityAdmin",
      "roles/compute.storageAdmin",
      "roles/compute.viewer",
    ]);
    expect(resources(identity, "google_service_account_key")).toEqual([]);
  });

  test("may act only as its own cluster's control-plane account", () => {
    const acting = resources(identity, "google_service_account_iam_member").filter((b) => b.member.includes("kubeone"));
    expect(acting.map((b) => b.role)).toEqual(["roles/iam.serviceAccountUser"]);
    expect(acting[0].service_account_id).toMatch(new RegExp(`control-plane-sa-${env.name}_`));
  });
});
