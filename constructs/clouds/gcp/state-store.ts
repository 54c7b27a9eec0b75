/** Terraform state on Google Cloud: one GCS bucket per installation; GCS locks state natively. */
import { StorageBucket, type StorageBucketLifecycleRuleCondition } from "@cdktf/provider-google/lib/storage-bucket";
import { GcsBackend, type TerraformStack } from "../../core/cdktf";
import type { Construct } from "constructs";
import type { StateStore } from "../../targets/state-store";

export interface GcsStateStoreProps {
  readonly bucketName: string;
  /** Bucket location: the cluster's region keeps state next to what it describes. */
  readonly location: string;
}

export class GcsStateStore implements StateStore {
  readonly needsStateStack = true;

  constructor(private readonly props: GcsStateStoreProps) {}

  /** The state bucket: old state versions are kept for recovery, but not forever. */
  define(scope: Construct): void {
    hardenedBucket(scope, "state", { name: this.props.bucketName, location: this.props.location, oldVersions: { numNewerVersions: 20, withState: "ARCHIVED" } });
  }

  attach(stack: TerraformStack, key: string): void {
    new GcsBackend(stack, { bucket: this.props.bucketName, prefix: key });
  }
}

export interface HardenedBucketProps {
  readonly name: string;
  readonly location: string;
  /** When an overwritten or deleted object's version goes (a lifecycle rule's condition). */
  readonly oldVersions: StorageBucketLifecycleRuleCondition;
}

/**
 * A bucket that is versioned, uniform-access, public access prevented and protected from `terraform destroy`, its old
 * versions deleted as `oldVersions` says: the state bucket, and each environment's backup buckets.
 */
export function hardenedBucket(scope: Construct, id: string, props: HardenedBucketProps): StorageBucket {
  return new StorageBucket(scope, id, {
    name: props.name,
    location: props.location.toUpperCase(),
    storageClass: "STANDARD",
    versioning: { enabled: true },
    uniformBucketLevelAccess: true,
    publicAccessPrevention: "enforced",
    forceDestroy: false,
    lifecycleRule: [{ action: { type: "Delete" }, condition: props.oldVersions }],
    lifecycle: { preventDestroy: true },
  });
}
