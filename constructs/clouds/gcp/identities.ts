/**
 * The pipeline's Google Cloud identities, which an admin deploys once (the identity stack) before the CI stack:
 * - a workload identity pool with one provider for the CI system's issuer, whose attribute condition admits only
 *   this repository's tokens and whose `attribute.kkp_identity` says which identity a token stands for;
 * - a **plan service account**, impersonable by `kkp_identity/plan`: read-only roles (never `roles/viewer`, whose
 *   project-viewer convenience grants reach buckets), the planned states' objects, their locks;
 * - an **apply service account per environment**, impersonable only by `kkp_identity/apply-<env>`: the roles its
 *   cluster stack needs, the DNS zone, its own states, and use of its cluster's control-plane account, which this
 *   stack creates too: no pipeline identity creates service accounts, acts as any other, or grants project roles.
 * Nothing here can read the CI or identity stack's state: object access is granted by name prefix only.
 */
import { DnsManagedZoneIamMember } from "@cdktf/provider-google/lib/dns-managed-zone-iam-member";
import { IamWorkloadIdentityPool } from "@cdktf/provider-google/lib/iam-workload-identity-pool";
import { IamWorkloadIdentityPoolProvider } from "@cdktf/provider-google/lib/iam-workload-identity-pool-provider";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ServiceAccountIamMember } from "@cdktf/provider-google/lib/service-account-iam-member";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { Construct } from "constructs";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import { TerraformOutput } from "../../core/cdktf";
import { stateKeys } from "../../core/names";
import type { PipelineIdentity } from "../../core/pipeline-model";
import { identityValue, type CiOidcTrust } from "../../targets/oidc";
import { GcpClusterCredentials } from "./credentials";
import { ControlPlaneServiceAccount } from "./iam";
import { pipelineServiceAccountEmail, pipelineServiceAccountId, workloadIdentityPoolId, workloadIdentityPoolName, workloadIdentityProviderId } from "./identity-names";
import type { GcpCloudSettings } from "./schema";

/** The attribute the provider maps each token's identity to, and the service accounts' bindings name. */
export const IDENTITY_ATTRIBUTE = "kkp_identity";

/** Read-only roles of the plan identity: what `terraform plan` of the cluster and DNS stacks reads. */
export const PLAN_ROLES = ["roles/compute.viewer", "roles/dns.reader", "roles/iam.securityReviewer", "roles/iam.serviceAccountViewer"] as const;

/** What an environment's cluster stack creates: network, firewall, machines, load balancer. */
export const APPLY_ROLES = [
  ...PLAN_ROLES,
  "roles/compute.instanceAdmin.v1",
  "roles/compute.loadBalancerAdmin",
  "roles/compute.networkAdmin",
  "roles/compute.securityAdmin",
  // The tunnel to the bastion (IAP TCP forwarding).
  "roles/iap.tunnelResourceAccessor",
] as const;

/** An IAM condition: a title and a CEL expression. */
export interface IamCondition {
  readonly title: string;
  readonly expression: string;
}

/** Objects of the state bucket below the given state prefixes (GCS state lives at `<prefix>/<workspace>.tfstate`). */
export function stateObjectsCondition(bucket: string, prefixes: readonly string[], title: string, suffix = ""): IamCondition {
  const clauses = prefixes.map((prefix) => {
    const starts = `resource.name.startsWith("projects/_/buckets/${bucket}/objects/${prefix}/")`;
    return suffix ? `(${starts} && resource.name.endsWith("${suffix}"))` : starts;
  });
  return { title, expression: clauses.join(" || ") };
}

/** The principal set of a pool's tokens standing for `identity`. */
export function identityPrincipal(poolName: string, identity: PipelineIdentity): string {
  return `principalSet://iam.googleapis.com/${poolName}/attribute.${IDENTITY_ATTRIBUTE}/${identityValue(identity)}`;
}

/** The states the pipeline plans, and each environment's own. */
export function plannedStatePrefixes(environments: readonly EnvironmentConfig[]): string[] {
  return [stateKeys.state, ...environments.flatMap((env) => [stateKeys.cluster(env.name), stateKeys.dns(env.name)])];
}

export function ownStatePrefixes(env: EnvironmentConfig): string[] {
  return [stateKeys.cluster(env.name), stateKeys.dns(env.name), ...(env.index === 0 ? [stateKeys.state] : [])];
}

/** The provider's attribute mapping: the subject for audit logs, the identity for the bindings, the repository. */
export function attributeMapping(trust: CiOidcTrust, environments: readonly string[]): Record<string, string> {
  return { "google.subject": trust.subjectAttribute, [`attribute.${IDENTITY_ATTRIBUTE}`]: trust.identityAttribute(environments) };
}

export interface GcpPipelineIdentitiesProps {
  readonly config: KkpConfig;
  readonly settings: GcpCloudSettings & { readonly projectNumber: string };
  readonly trust: CiOidcTrust;
}

export class GcpPipelineIdentities extends Construct {
  constructor(scope: Construct, id: string, props: GcpPipelineIdentitiesProps) {
    super(scope, id);
    const { config, settings, trust } = props;
    const project = settings.project;
    const bucket = config.state.bucketName;
    const poolName = workloadIdentityPoolName(config, settings.projectNumber);

    const pool = new IamWorkloadIdentityPool(this, "pool", {
      project,
      workloadIdentityPoolId: workloadIdentityPoolId(config),
      displayName: `kkp ${config.name} pipeline`.slice(0, 32),
      description: `Tokens of the ${config.name} delivery pipeline (${config.ci.provider})`,
    });
    new IamWorkloadIdentityPoolProvider(this, "provider", {
      project,
      workloadIdentityPoolId: pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: workloadIdentityProviderId(config.ci.provider),
      displayName: config.ci.provider,
      attributeMapping: attributeMapping(trust, config.environments.map((env) => env.name)),
      attributeCondition: trust.repositoryCondition,
      // Without allowed audiences, tokens must be issued for this provider's own resource name, as the pipeline requests.
      oidc: { issuerUri: trust.issuer, ...(trust.fixedAudience ? { allowedAudiences: [trust.fixedAudience] } : {}) },
    });

    const account = (accountId: string, identity: PipelineIdentity, description: string, roles: readonly string[]) => {
      const created = new ServiceAccount(this, accountId, { project, accountId: pipelineServiceAccountId(config, identity), displayName: description.slice(0, 100) });
      new ServiceAccountIamMember(this, `${accountId}-federation`, {
        serviceAccountId: created.name,
        role: "roles/iam.workloadIdentityUser",
        member: identityPrincipal(poolName, identity),
      });
      for (const role of roles) new ProjectIamMember(this, `${accountId}-${role.replace("roles/", "")}`, { project, role, member: created.member });
      // Object names only (buckets.get, objects.list): which states exist, never what they hold.
      new StorageBucketIamMember(this, `${accountId}-bucket`, { bucket, role: "roles/storage.legacyBucketReader", member: created.member });
      const output = new TerraformOutput(this, `${accountId}-email`, { value: pipelineServiceAccountEmail(config, project, identity), description });
      output.overrideLogicalId(`${accountId.replace(/-/g, "_")}_email`);
      return created;
    };

    const planAccount = account("plan-sa", { kind: "plan" }, "kkp pipeline: read-only plans of change requests and main", PLAN_ROLES);
    const planned = plannedStatePrefixes(config.environments);
    new StorageBucketIamMember(this, "plan-sa-states", {
      bucket,
      role: "roles/storage.objectViewer",
      member: planAccount.member,
      condition: stateObjectsCondition(bucket, planned, "planned-states"),
    });
    new StorageBucketIamMember(this, "plan-sa-locks", {
      bucket,
      role: "roles/storage.objectUser",
      member: planAccount.member,
      condition: stateObjectsCondition(bucket, planned, "planned-state-locks", ".tflock"),
    });

    const controlPlaneAccounts = new Map<string, string>();
    for (const env of config.environments) {
      const applyId = `apply-sa-${env.name}`;
      const applyAccount = account(applyId, { kind: "apply", env: env.name }, `kkp pipeline: deployments to ${env.name}`, APPLY_ROLES);
      const controlPlane = new ControlPlaneServiceAccount(this, `control-plane-sa-${env.name}`, { project, clusterName: env.clusterName });
      // Attaching it to the control-plane machines; the only account the apply identity may act as.
      new ServiceAccountIamMember(this, `${applyId}-control-plane-user`, { serviceAccountId: controlPlane.name, role: "roles/iam.serviceAccountUser", member: applyAccount.member });
      controlPlaneAccounts.set(env.name, controlPlane.name);
      new StorageBucketIamMember(this, `${applyId}-states`, {
        bucket,
        role: "roles/storage.objectUser",
        member: applyAccount.member,
        condition: stateObjectsCondition(bucket, ownStatePrefixes(env), "own-states"),
      });
      new DnsManagedZoneIamMember(this, `${applyId}-zone`, { project, managedZone: settings.dnsManagedZone, role: "roles/dns.admin", member: applyAccount.member });
    }
    new GcpClusterCredentials(this, "cluster-credentials", { config, project, location: settings.region, controlPlaneAccounts });
  }
}
