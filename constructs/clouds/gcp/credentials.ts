/**
 * The long-lived Google Cloud credentials that outlive a pipeline run (`KUBEONE_CREDENTIALS`), defined by the
 * identity stack: one service account per environment whose JSON key an admin creates (`gcloud iam
 * service-accounts keys create`), never Terraform, so no state holds it. On Google Cloud three consumers read it
 * inside the cluster (KubeOne's Secret `kube-system/kubeone-ccm-credentials`): machine-controller (it inserts and
 * deletes worker instances, which run without a service account here), the GCE cloud controller (load balancers and
 * their firewall rules for KKP's services) and the persistent-disk CSI driver (disks and snapshots, attached to the
 * nodes). Compute Engine has no tag conditions, so these roles are project-wide; the account may act as no service
 * account but its own cluster's control-plane account, whose machines the disk driver attaches disks to.
 */
import { ProjectIamMember } from "@cdktf/provider-google/lib/project-iam-member";
import { StorageBucketIamMember } from "@cdktf/provider-google/lib/storage-bucket-iam-member";
import { ServiceAccount } from "@cdktf/provider-google/lib/service-account";
import { ServiceAccountIamMember } from "@cdktf/provider-google/lib/service-account-iam-member";
import { Construct } from "constructs";
import type { EnvironmentConfig, KkpConfig } from "../../../config/settings/resolve";
import { TerraformOutput } from "../../core/cdktf";
import { hardenedBucket } from "./state-store";

type Named = Pick<KkpConfig, "name" | "installationHash">;

/** `<env>-kubeone-<hash>`: at most 27 characters, within the 30 of an account ID. */
export function kubeoneServiceAccountId(config: Named, env: string): string {
  return `${env}-kubeone-${config.installationHash}`;
}

/** machine-controller's instances, the cloud controller's load balancers and firewall rules, the disk driver's disks. */
export const KUBEONE_ROLES = [
  "roles/compute.instanceAdmin.v1",
  "roles/compute.loadBalancerAdmin",
  "roles/compute.securityAdmin",
  "roles/compute.storageAdmin",
  "roles/compute.viewer",
] as const;

export interface GcpClusterCredentialsProps {
  readonly config: KkpConfig;
  readonly project: string;
  /** Where the etcd backup buckets live: the clusters' region. */
  readonly location: string;
  /** Each environment's control-plane service account (its resource name), which the disk driver must act as. */
  readonly controlPlaneAccounts: ReadonlyMap<string, string>;
}

export class GcpClusterCredentials extends Construct {
  constructor(scope: Construct, id: string, props: GcpClusterCredentialsProps) {
    super(scope, id);
    const { config, project } = props;
    for (const env of config.environments) this.environment(config, project, env, props.controlPlaneAccounts.get(env.name)!, props.location);
  }

  private environment(config: KkpConfig, project: string, env: EnvironmentConfig, controlPlaneAccount: string, location: string): void {
    const accountId = kubeoneServiceAccountId(config, env.name);
    const account = new ServiceAccount(this, `kubeone-${env.name}`, { project, accountId, displayName: `KKP ${env.clusterName}: KubeOne's credentials in the cluster` });
    for (const role of KUBEONE_ROLES) new ProjectIamMember(this, `kubeone-${env.name}-${role.replace("roles/", "")}`, { project, role, member: account.member });
    new ServiceAccountIamMember(this, `kubeone-${env.name}-control-plane-user`, { serviceAccountId: controlPlaneAccount, role: "roles/iam.serviceAccountUser", member: account.member });
    const email = `${accountId}@${project}.iam.gserviceaccount.com`;
    const output = new TerraformOutput(this, `kubeone-${env.name}-account`, {
      value: email,
      description: `Service account whose JSON key goes into KUBEONE_CREDENTIALS of ${env.name} (GOOGLE_CREDENTIALS): gcloud iam service-accounts keys create key.json --iam-account=${email}`,
    });
    output.overrideLogicalId(`kubeone_account_${env.name.replace(/-/g, "_")}`);
    if (env.etcdBackupBucket) this.backups(env, env.etcdBackupBucket, location, account.member, email);
    if (env.userClusterBackupBucket) this.userClusterBackups(config, project, env, env.userClusterBackupBucket, location);
  }

  /** The Seed's backup bucket for KKP's user clusters, and the account whose HMAC key KKP writes with: that bucket only. */
  private userClusterBackups(config: KkpConfig, project: string, env: EnvironmentConfig, bucket: string, location: string): void {
    const accountId = `${env.name}-backups-${config.installationHash}`;
    const account = new ServiceAccount(this, `user-cluster-backups-${env.name}-account`, { project, accountId, displayName: `KKP ${env.clusterName}: user-cluster etcd backups` });
    this.backupBucket(`user-cluster-backups-${env.name}`, bucket, location, account.member);
    const email = `${accountId}@${project}.iam.gserviceaccount.com`;
    const output = new TerraformOutput(this, `user-cluster-backups-${env.name}-hmac`, {
      value: `gcloud storage hmac create ${email}`,
      description: `Creates the HMAC key KKP backs up the user clusters of ${env.name} with: its accessId and secret go into KKP_USER_CLUSTER_BACKUP_ACCESS_KEY_ID and _SECRET_ACCESS_KEY`,
    });
    output.overrideLogicalId(`user_cluster_backups_hmac_${env.name.replace(/-/g, "_")}`);
  }

  /**
   * The etcd backup bucket, hardened like the state bucket, which only the KubeOne account may use. KubeOne's
   * backups-restic addon speaks S3: it reaches GCS through its S3-compatible XML API with an HMAC key of that account,
   * which an admin creates (never Terraform, so no state holds it) and adds to KUBEONE_CREDENTIALS.
   */
  private backups(env: EnvironmentConfig, name: string, location: string, member: string, email: string): void {
    this.backupBucket(`etcd-backups-${env.name}`, name, location, member, "kubeone");
    const output = new TerraformOutput(this, `etcd-backups-${env.name}-hmac`, {
      value: `gcloud storage hmac create ${email}`,
      description: `Creates the HMAC key KubeOne's etcd backups of ${env.name} upload with: add its accessId and secret to KUBEONE_CREDENTIALS as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
    });
    output.overrideLogicalId(`etcd_backups_hmac_${env.name.replace(/-/g, "_")}`);
  }

  /** A backup bucket, hardened like the state bucket, whose objects only `member` may use. */
  private backupBucket(id: string, name: string, location: string, member: string, memberId = "writer"): void {
    // The backup tools delete what they no longer keep; the versions they overwrite or delete go after 14 days.
    hardenedBucket(this, id, { name, location, oldVersions: { daysSinceNoncurrentTime: 14, withState: "ARCHIVED" } });
    new StorageBucketIamMember(this, `${id}-${memberId}`, { bucket: name, role: "roles/storage.objectAdmin", member });
  }
}
