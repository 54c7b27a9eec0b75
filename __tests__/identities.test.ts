/**
 * Policy tests of the pipeline's identities (the identity stack) on every example: who can obtain each identity,
 * judged against sample tokens of each CI system, and what each may do. AWS trust is matched with IAM's StringLike
 * semantics; Google Cloud's attribute mapping and condition are evaluated on the sample tokens' claims.
 */
import { readdirSync } from "node:fs";
import * as path from "node:path";
import { loadConfigFile, PROJECT_ROOT, type Config } from "../config/load";
import { ADMIN_STATE_KEYS } from "../constructs/core/names";
import { dataSources, resources, synthAll, type TerraformJson } from "./helpers";

const examples: Array<[string, Config]> = [
  ["config/kkp.example.yaml", loadConfigFile(path.join(PROJECT_ROOT, "config", "kkp.example.yaml")).config],
  ...readdirSync(path.join(PROJECT_ROOT, "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f): [string, Config] => [`examples/${f}`, loadConfigFile(path.join(PROJECT_ROOT, "examples", f)).config]),
];

/** IAM's StringLike: `*` any run of characters, `?` one character, everything else literal. */
function stringLike(pattern: string, value: string): boolean {
  const regex = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${regex}$`).test(value);
}

/**
 * Sample tokens of a CI system: `sub` plus the claims Google Cloud maps, for a change request, a plan on main, a
 * deployment to `env` from main, and the same deployment's environment named by a change request's own definition.
 */
function tokens(config: Config, env: string) {
  const ci = config.ci as any;
  if (ci.provider === "github") {
    const repo = `${ci.github.owner}/${ci.github.repository}`;
    const ids = `${ci.github.owner}@1234/${ci.github.repository}@5678`;
    const claims = (sub: string, extra: Record<string, string>) => ({ sub, repository: repo, ...extra });
    return {
      changeRequest: [
        claims(`repo:${repo}:pull_request`, { event_name: "pull_request", ref: "refs/pull/7/merge" }),
        claims(`repo:${ids}:pull_request`, { event_name: "pull_request", ref: "refs/pull/7/merge" }),
        claims(`repo:${repo}:ref:refs/heads/feature`, { event_name: "push", ref: "refs/heads/feature" }),
      ],
      mainPlan: [claims(`repo:${repo}:ref:refs/heads/main`, { event_name: "push", ref: "refs/heads/main" })],
      deployment: [
        claims(`repo:${repo}:environment:${env}`, { event_name: "push", ref: "refs/heads/main", environment: env }),
        claims(`repo:${ids}:environment:${env}`, { event_name: "push", ref: "refs/heads/main", environment: env }),
      ],
      otherRepository: [claims(`repo:${ci.github.owner}/other:environment:${env}`, { repository: `${ci.github.owner}/other`, event_name: "push", ref: "refs/heads/main", environment: env })],
    };
  }
  if (ci.provider === "gitlab") {
    const project = ci.gitlab.project;
    const claims = (ref: string, protectedRef: boolean, environment?: string, projectPath = project) => ({
      sub: `project_path:${projectPath}:ref_type:branch:ref:${ref}:ref_protected:${protectedRef}${environment ? ":environment_protected:true" : ""}`,
      project_path: projectPath,
      project_id: "42",
      job_id: "1",
      ref_type: "branch",
      ref,
      ref_protected: String(protectedRef),
      ...(environment ? { environment, environment_protected: "true" } : {}),
    });
    return {
      changeRequest: [claims("feature", false), claims("feature", false, env)],
      mainPlan: [claims("main", true)],
      deployment: [claims("main", true, env)],
      otherRepository: [claims("main", true, env, `${project}-fork`)],
    };
  }
  const { repositoryUuid, deploymentEnvironmentUuid } = ci.bitbucket.oidc;
  const step = "{11111111-2222-4333-8444-555555555555}";
  const claims = (branchName: string, deployment?: string, repository = repositoryUuid) => ({
    sub: deployment ? `${repository}:${deployment}:${step}` : `${repository}:${step}`,
    repositoryUuid: repository,
    branchName,
    ...(deployment ? { deploymentEnvironmentUuid: deployment } : {}),
  });
  return {
    // A pull request's own bitbucket-pipelines.yml can name the deployment; only the branch tells it apart.
    changeRequest: [claims("feature"), ...(config.cloud.provider === "gcp" ? [claims("feature", deploymentEnvironmentUuid)] : [])],
    mainPlan: [claims("main")],
    deployment: [claims("main", deploymentEnvironmentUuid)],
    otherRepository: [claims("main", deploymentEnvironmentUuid, "{99999999-2222-4333-8444-555555555555}")],
  };
}

const oidcExamples = examples.filter(([, config]) => config.pipeline.credentials === "oidc");

describe.each(oidcExamples)("%s: the pipeline's identities", (_, config) => {
  const stacks = synthAll(config);
  const identity = stacks.identity;
  const envs = config.environments.map((env) => env.name);

  test("are their own stack, keeping state beside the CI stack's, out of every pipeline identity's reach", () => {
    expect(identity).toBeDefined();
    const backend = identity.terraform.backend;
    expect(JSON.stringify(backend)).toMatch(/identity/);
  });

  if (config.cloud.provider === "aws") awsChecks(config, identity, envs);
  else gcpChecks(config, identity, envs);
});

function awsChecks(config: Config, identity: TerraformJson, envs: string[]): void {
  const roles = resources(identity, "aws_iam_role");
  const policies = resources(identity, "aws_iam_role_policy");
  const roleNamed = (suffix: RegExp) => roles.find((r) => suffix.test(r.name))!;
  const trustOf = (role: any) => JSON.parse(role.assume_role_policy).Statement;
  const policyOf = (role: any) => JSON.parse(policies.find((p) => p.name === role.name)!.policy).Statement as any[];
  const plan = roleNamed(/-plan-[0-9a-f]{6}$/);
  const apply = (env: string) => roleNamed(new RegExp(`-${env}-apply-[0-9a-f]{6}$`));
  const provider = resources(identity, "aws_iam_openid_connect_provider")[0] ?? dataSources(identity, "aws_iam_openid_connect_provider")[0];
  const host = provider.url.replace("https://", "");
  const admits = (role: any, sub: string) =>
    trustOf(role).some((s: any) => s.Effect === "Allow" && [s.Condition.StringLike[`${host}:sub`]].flat().some((p: string) => stringLike(p, sub)));

  test("one OIDC provider for the CI system's issuer, admitting exactly the audience the pipeline's tokens carry", () => {
    const audiences = new Set(roles.map((r) => trustOf(r)[0].Condition.StringEquals[`${host}:aud`]));
    expect(audiences.size).toBe(1);
    if (provider.client_id_list) expect(provider.client_id_list).toEqual([...audiences]);
  });

  test("a plan role and one apply role per environment, each trusting only this issuer, with the audience checked", () => {
    expect(roles).toHaveLength(1 + envs.length);
    for (const role of roles) {
      for (const statement of trustOf(role)) {
        expect(statement.Action).toBe("sts:AssumeRoleWithWebIdentity");
        expect(statement.Principal.Federated).toMatch(new RegExp(`:oidc-provider/${host.replace(/[./]/g, "\\$&")}$`));
        expect(Object.keys(statement.Condition.StringEquals)).toEqual([`${host}:aud`]);
      }
    }
  });

  test("no subject pattern is a wildcard over the repository's whole context (repo:<owner>/<repo>:*)", () => {
    for (const role of roles) {
      for (const pattern of trustOf(role).flatMap((s: any) => [s.Condition.StringLike[`${host}:sub`]].flat())) {
        expect(pattern).not.toMatch(/^repo:[^:]+:\*$/);
        expect(pattern).not.toBe("*");
      }
    }
  });

  test("change requests reach only the plan role; the plan role also plans on main", () => {
    const sample = tokens(config, envs[0]);
    for (const token of sample.changeRequest) {
      if (config.ci.provider !== "github" || token.sub.includes(":pull_request")) expect(admits(plan, token.sub)).toBe(true);
      for (const env of envs) expect({ env, sub: token.sub, admitted: admits(apply(env), token.sub) }).toEqual({ env, sub: token.sub, admitted: false });
    }
    for (const token of sample.mainPlan) expect(admits(plan, token.sub)).toBe(true);
  });

  test("each apply role admits only deployments to its own environment, from this repository", () => {
    for (const env of envs) {
      for (const token of tokens(config, env).deployment) {
        expect(admits(apply(env), token.sub)).toBe(true);
        for (const other of envs.filter((e) => e !== env)) expect({ other, admitted: admits(apply(other), token.sub) }).toEqual({ other, admitted: false });
      }
      for (const token of tokens(config, env).otherRepository) expect(admits(apply(env), token.sub)).toBe(false);
    }
  });

  const bucket = config.state.bucketName;
  const adminState = (resource: string) => ADMIN_STATE_KEYS.some((key) => stringLike(resource, `arn:aws:s3:::${bucket}/${key}.tfstate`));
  /** Whether an Allow statement lets its S3 actions reach an admin state. */
  const reachesAdminState = (s: any) => [s.Action].flat().some((a: string) => a.startsWith("s3:")) && [s.Resource].flat().some(adminState);
  const writes = /:(Create|Put|Delete|Update|Modify|Attach|Detach|Associate|Disassociate|Authorize|Revoke|Run|Terminate|Start|Stop|Allocate|Release|Import|Replace|Register|Deregister|Set|Add|Remove|Pass|Tag|Untag|Change)/;

  test("the plan role writes nothing but state locks, and can never read the CI or identity stack's state", () => {
    const statements = policyOf(plan);
    for (const s of statements.filter((s) => s.Effect === "Allow")) {
      const resourcesOf = [s.Resource].flat();
      if ([s.Action].flat().some((a: string) => writes.test(a))) {
        expect(resourcesOf.every((r: string) => r.endsWith(".tflock") || r.includes(":dynamodb:"))).toBe(true);
      }
      expect(reachesAdminState(s)).toBe(false);
    }
    expect(statements).toContainEqual(expect.objectContaining({ Effect: "Deny", Action: "s3:*", Resource: ADMIN_STATE_KEYS.map((key) => `arn:aws:s3:::${bucket}/${key}.tfstate*`) }));
  });

  test("an apply role writes only its own environment's states, changes existing resources only with its cluster's tag, and never reads the admin states", () => {
    for (const env of config.environments) {
      const statements = policyOf(apply(env.name));
      const stateWrites = statements.filter((s) => s.Effect === "Allow" && [s.Action].flat().includes("s3:PutObject")).flatMap((s) => [s.Resource].flat());
      for (const object of stateWrites) {
        const key = object.replace(`arn:aws:s3:::${bucket}/`, "");
        expect(key.startsWith(`${env.name}/`) || (env.index === 0 && key.startsWith("state.tfstate"))).toBe(true);
      }
      for (const s of statements.filter((s) => s.Effect === "Allow")) expect(reachesAdminState(s)).toBe(false);
      expect(statements.some((s) => s.Effect === "Deny" && [s.Resource].flat().some(adminState))).toBe(true);
      expect(statements.find((s) => s.Sid === "ChangeOwnResources").Condition).toEqual({ StringEquals: { "aws:ResourceTag/kkp.k8c.io/cluster": env.clusterName } });
      const nodeRoles = statements.find((s) => s.Sid === "NodeRoles").Resource;
      expect(nodeRoles.every((arn: string) => ["control-plane", "worker", "bastion"].some((role) => arn.endsWith(`/${env.clusterName}-${role}`)))).toBe(true);
      // The state bucket's settings are an admin's: no apply identity writes the bucket itself.
      const bucketWrites = statements.filter((s) => s.Effect === "Allow" && [s.Resource].flat().includes(`arn:aws:s3:::${bucket}`) && [s.Action].flat().some((a: string) => writes.test(a)));
      expect(bucketWrites).toEqual([]);
    }
  });

  test("an apply role writes node roles' policies only under the nodes' permissions boundary, which every role of the cluster carries", () => {
    const boundary = resources(identity, "aws_iam_policy").find((p) => p.name.includes("-nodes-boundary-"))!;
    expect(boundary.name).toMatch(/^.+-nodes-boundary-[0-9a-f]{6}$/);
    const allowed = JSON.parse(boundary.policy).Statement.flatMap((s: any) => [s.Action].flat());
    // Nothing that writes IAM or assumes roles; the cloud controller's service-linked role for load balancers only.
    expect(allowed.filter((a: string) => a.startsWith("iam:") || a.startsWith("sts:") || a.endsWith(":*"))).toEqual(["iam:CreateServiceLinkedRole"]);
    const boundaryArn = `arn:aws:iam::${(config.cloud as any).aws.accountId}:policy/${boundary.name}`;
    for (const env of config.environments) {
      const statements = policyOf(apply(env.name));
      for (const s of statements.filter((s) => s.Effect === "Allow" && [s.Action].flat().some((a: string) => /^iam:(CreateRole|PutRolePolicy|AttachRolePolicy|PutRolePermissionsBoundary)$/.test(a)))) {
        expect(s.Condition).toEqual({ StringEquals: { "iam:PermissionsBoundary": boundaryArn } });
      }
      const actions = statements.flatMap((s) => [s.Action].flat());
      for (const never of ["iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy", "iam:CreatePolicyVersion"]) expect(actions).not.toContain(never);
      const cluster = synthAll(config)[`${env.name}-cluster`];
      for (const role of resources(cluster, "aws_iam_role")) expect({ role: role.name, boundary: role.permissions_boundary }).toEqual({ role: role.name, boundary: boundaryArn });
    }
  });
}

/** Evaluates the subset of CEL the provider's mapping and condition use (`in`, `==`, `&&`, `||`, `?:`, `+`), which reads the same in JavaScript. */
function cel(expression: string, assertion: Record<string, string>): unknown {
  return new Function("assertion", `return (${expression});`)(assertion);
}

function gcpChecks(config: Config, identity: TerraformJson, envs: string[]): void {
  const [provider] = resources(identity, "google_iam_workload_identity_pool_provider");
  const [pool] = resources(identity, "google_iam_workload_identity_pool");
  const allAccounts = resources(identity, "google_service_account");
  // The pipeline's own accounts; the control planes' accounts (`<cluster>-cp`) are checked on their own below.
  const accounts = allAccounts.filter((a) => /-(plan|apply)-/.test(a.account_id));
  const controlPlaneAccounts = allAccounts.filter((a) => a.account_id.endsWith("-cp"));
  const allBindings = resources(identity, "google_service_account_iam_member");
  const bindings = allBindings.filter((b) => b.role === "roles/iam.workloadIdentityUser");
  const identityOf = (token: Record<string, string>) => (cel(provider.attribute_condition, token) ? cel(provider.attribute_mapping["attribute.kkp_identity"], token) : "refused");

  test("one pool and provider for the CI system, whose condition admits only this repository", () => {
    expect(pool.workload_identity_pool_id).toMatch(/^[a-z][a-z0-9-]{2,30}[a-z0-9]$/);
    expect(pool.workload_identity_pool_id.startsWith("gcp-")).toBe(false);
    expect(provider.attribute_condition).toBeTruthy();
    for (const env of envs) for (const token of tokens(config, env).otherRepository) expect(identityOf(token)).toBe("refused");
  });

  test("change requests map to the plan identity, deployments from main to their environment's apply identity", () => {
    for (const env of envs) {
      const sample = tokens(config, env);
      for (const token of sample.changeRequest) expect({ sub: token.sub, identity: identityOf(token) }).toEqual({ sub: token.sub, identity: config.ci.provider === "github" && token.sub.includes(":ref:") ? "none" : "plan" });
      for (const token of sample.mainPlan) expect(identityOf(token)).toBe("plan");
      for (const token of sample.deployment) expect(identityOf(token)).toBe(`apply-${env}`);
    }
  });

  test("each service account is impersonable only by its own identity's principal set, never by the whole pool", () => {
    expect(accounts).toHaveLength(1 + envs.length);
    expect(bindings).toHaveLength(1 + envs.length);
    const poolName = `projects/${(config.cloud as any).gcp.projectNumber}/locations/global/workloadIdentityPools/${pool.workload_identity_pool_id}`;
    const members = bindings.map((b) => b.member).sort();
    expect(members).toEqual([`principalSet://iam.googleapis.com/${poolName}/attribute.kkp_identity/plan`, ...envs.map((env) => `principalSet://iam.googleapis.com/${poolName}/attribute.kkp_identity/apply-${env}`)].sort());
    for (const binding of bindings) expect(binding.role).toBe("roles/iam.workloadIdentityUser");
  });

  test("the plan account has read-only roles and reaches only the planned states' objects; no account reaches the admin states", () => {
    const projectRoles = resources(identity, "google_project_iam_member");
    const planAccount = accounts.find((a) => /-plan-/.test(a.account_id))!;
    const planMember = projectRoles.filter((m) => m.member.includes(planAccount.account_id) || m.member.includes("plan-sa"));
    for (const member of planMember) expect(member.role).toMatch(/\.(viewer|reader|securityReviewer|serviceAccountViewer)$/);
    const bucketGrants = resources(identity, "google_storage_bucket_iam_member");
    for (const grant of bucketGrants) {
      if (grant.role === "roles/storage.legacyBucketReader") continue;
      // An environment's etcd backup bucket is its KubeOne account's alone (credentials.test.ts).
      if (/-(etcd|clusters)-[0-9a-f]{10}$/.test(grant.bucket)) {
        expect(grant.member).toMatch(grant.bucket.includes("-etcd-") ? /_kubeone-[\w-]+\.member\}$/ : /_user-cluster-backups-[\w-]+-account_\w+\.member\}$/);
        continue;
      }
      expect(grant.condition.expression).toBeTruthy();
      for (const key of ADMIN_STATE_KEYS) expect(grant.condition.expression).not.toContain(`/objects/${key}/`);
    }
    for (const role of projectRoles.map((m) => m.role)) expect(role).not.toMatch(/^roles\/(owner|editor|viewer|storage\.)/);
  });

  test("no pipeline account administers IAM: none creates service accounts, acts as any account project-wide, or grants project roles", () => {
    const projectRoles = resources(identity, "google_project_iam_member").map((m) => m.role);
    for (const never of ["roles/resourcemanager.projectIamAdmin", "roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountUser", "roles/iam.serviceAccountTokenCreator"]) {
      expect(projectRoles).not.toContain(never);
    }
  });

  test("each environment's control-plane account writes logs and metrics only, and only that environment's apply account may attach it", () => {
    expect(controlPlaneAccounts.map((a) => a.account_id).sort()).toEqual(envs.map((env) => `${config.name}-${env}-cp`).sort());
    const byLogicalId = (ref: string) => ref.match(/google_service_account\.([\w-]+)\./)![1];
    const cpGrants = resources(identity, "google_project_iam_member").filter((m) => /control-plane-sa/.test(m.member));
    expect(new Set(cpGrants.map((m) => m.role))).toEqual(new Set(["roles/logging.logWriter", "roles/monitoring.metricWriter"]));
    const users = allBindings.filter((b) => b.role === "roles/iam.serviceAccountUser");
    // Per environment: its apply account (to start the machines) and its KubeOne account (the disk driver attaches to them).
    expect(users).toHaveLength(2 * envs.length);
    for (const env of envs) {
      const members = users.filter((b) => byLogicalId(b.service_account_id).includes(`control-plane-sa-${env}_`)).map((b) => b.member);
      expect(members).toHaveLength(2);
      expect(members.some((m) => new RegExp(`apply-sa-${env}_`).test(m))).toBe(true);
      expect(members.some((m) => new RegExp(`kubeone-${env}_`).test(m))).toBe(true);
    }
    // The cluster stack attaches it by e-mail and creates no account of its own.
    for (const env of envs) {
      const cluster = synthAll(config)[`${env}-cluster`];
      expect(resources(cluster, "google_service_account")).toEqual([]);
      const cp = resources(cluster, "google_compute_instance").filter((i) => i.name.includes("-cp-"));
      for (const instance of cp) expect(instance.service_account.email).toBe(`${config.name}-${env}-cp@${(config.cloud as any).gcp.project}.iam.gserviceaccount.com`);
    }
  });
}

test("with static keys there is no identity stack: the admin's IAM users hold the keys", () => {
  const [, config] = examples[0];
  const stacks = synthAll({ ...config, pipeline: { ...config.pipeline, credentials: "static-keys" } });
  expect(stacks.identity).toBeUndefined();
});
