/**
 * A dedicated service account for the control-plane machines, never the Compute Engine default account. Nothing
 * KubeOne runs there uses it: the GCE cloud controller and the persistent-disk CSI driver authenticate with the
 * KubeOne credentials (Secret `kube-system/kubeone-ccm-credentials`), so the account may only write logs and
 * metrics. Any pod on a control-plane node can obtain its token from the metadata server, which is why it holds
 * nothing more. Workers run without a service account (see cluster.ts).
 *
 * With OIDC credentials the identity stack creates it, and lets only its environment's apply identity attach it to
 * machines (`iam.serviceAccountUser` on this one account), so no pipeline identity can create service accounts or
 * grant project roles. With static keys the cluster stack creates it, as the deploying user.
 */
import { createHash } from "node:crypto";
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { Construct } from "constructs";

export const CONTROL_PLANE_ROLES = ["roles/logging.logWriter", "roles/monitoring.metricWriter"] as const;

/** Service account IDs are limited to 30 characters; longer cluster names are shortened with a hash to stay unique. */
const MAX_ACCOUNT_ID = 30;

function accountId(clusterName: string, suffix: string): string {
  const id = `${clusterName}-${suffix}`;
  if (id.length <= MAX_ACCOUNT_ID) return id;
  const hash = createHash("sha256").update(clusterName).digest("hex").slice(0, 4);
  return `${clusterName.slice(0, MAX_ACCOUNT_ID - suffix.length - 6)}-${hash}-${suffix}`;
}

/** The control plane's account ID and e-mail, the same wherever it is created. */
export function controlPlaneAccountId(clusterName: string): string {
  return accountId(clusterName, "cp");
}

export function controlPlaneAccountEmail(clusterName: string, project: string): string {
  return `${controlPlaneAccountId(clusterName)}@${project}.iam.gserviceaccount.com`;
}

export interface ControlPlaneServiceAccountProps {
  readonly project: string;
  readonly clusterName: string;
}

export class ControlPlaneServiceAccount extends Construct {
  readonly email: string;
  /** The account's resource name, `projects/<project>/serviceAccounts/<email>`, for grants on it. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: ControlPlaneServiceAccountProps) {
    super(scope, id);
    const account = new ServiceAccount(this, "account", {
      accountId: controlPlaneAccountId(props.clusterName),
      displayName: `KKP ${props.clusterName} control plane`,
      project: props.project,
    });
    for (const role of CONTROL_PLANE_ROLES) {
      new ProjectIamMember(this, role.replace("roles/", ""), { project: props.project, role, member: account.member });
    }
    this.email = account.email;
    this.name = account.name;
  }
}
