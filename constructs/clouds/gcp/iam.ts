/**
 * A dedicated service account for the control plane, never the Compute Engine default account: what the GCE
 * cloud controller (load balancers and their firewall rules for KKP's services) and the persistent-disk CSI
 * driver need, plus logs and metrics. Instances use the `cloud-platform` scope, so these roles are the only
 * limit, as Google advises. Workers run without a service account (see cluster.ts).
 */
import { createHash } from "node:crypto";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { Construct } from "constructs";

export const CONTROL_PLANE_ROLES = [
  "roles/compute.loadBalancerAdmin",
  "roles/compute.securityAdmin",
  "roles/compute.instanceAdmin.v1",
  "roles/compute.storageAdmin",
  "roles/iam.serviceAccountUser",
  "roles/logging.logWriter",
  "roles/monitoring.metricWriter",
  "roles/artifactregistry.reader",
] as const;

/** Service account IDs are limited to 30 characters; longer cluster names are shortened with a hash to stay unique. */
const MAX_ACCOUNT_ID = 30;

function accountId(clusterName: string, suffix: string): string {
  const id = `${clusterName}-${suffix}`;
  if (id.length <= MAX_ACCOUNT_ID) return id;
  const hash = createHash("sha256").update(clusterName).digest("hex").slice(0, 4);
  return `${clusterName.slice(0, MAX_ACCOUNT_ID - suffix.length - 6)}-${hash}-${suffix}`;
}

export interface ControlPlaneServiceAccountProps {
  readonly project: string;
  readonly clusterName: string;
}

export class ControlPlaneServiceAccount extends Construct {
  readonly email: string;

  constructor(scope: Construct, id: string, props: ControlPlaneServiceAccountProps) {
    super(scope, id);
    const account = new ServiceAccount(this, "account", {
      accountId: accountId(props.clusterName, "cp"),
      displayName: `KKP ${props.clusterName} control plane`,
      project: props.project,
    });
    for (const role of CONTROL_PLANE_ROLES) {
      new ProjectIamMember(this, role.replace("roles/", ""), { project: props.project, role, member: account.member });
    }
    this.email = account.email;
  }
}
