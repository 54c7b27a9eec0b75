/** Terraform state on Google Cloud: one GCS bucket per installation; GCS locks state natively. */
import { StorageBucket } from "@cdktf/provider-google/lib/storage-bucket";
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

  /** The state bucket: versioned, uniform access, public access prevented, protected from `terraform destroy`. */
  define(scope: Construct): void {
    new StorageBucket(scope, "state", {
      name: this.props.bucketName,
      location: this.props.location.toUpperCase(),
      storageClass: "STANDARD",
      versioning: { enabled: true },
      uniformBucketLevelAccess: true,
      publicAccessPrevention: "enforced",
      forceDestroy: false,
      // Old state versions are kept for recovery, but not forever.
      lifecycleRule: [{ action: { type: "Delete" }, condition: { numNewerVersions: 20, withState: "ARCHIVED" } }],
      lifecycle: { preventDestroy: true },
    });
  }

  attach(stack: TerraformStack, key: string): void {
    new GcsBackend(stack, { bucket: this.props.bucketName, prefix: key });
  }
}
