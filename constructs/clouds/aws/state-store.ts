/** Terraform state on AWS: one S3 bucket per installation, locked by S3's native lock file or DynamoDB. */
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3Backend, type TerraformStack } from "../../core/cdktf";
import { Construct } from "constructs";
import type { StateStore } from "../../targets/state-store";

export interface S3StateStoreProps {
  readonly bucketName: string;
  readonly region: string;
  /** `lockfile`: S3 native locking (Terraform >= 1.10); `dynamodb`: a lock table named after the bucket. */
  readonly locking: "lockfile" | "dynamodb";
}

export class S3StateStore implements StateStore {
  readonly needsStateStack = true;

  constructor(private readonly props: S3StateStoreProps) {}

  define(scope: Construct): void {
    new S3StateBucket(scope, "state", this.props);
  }

  attach(stack: TerraformStack, key: string): void {
    const { bucketName, region, locking } = this.props;
    new S3Backend(stack, {
      bucket: bucketName,
      key: `${key}.tfstate`,
      region,
      encrypt: true,
      ...(locking === "dynamodb" ? { dynamodbTable: lockTableName(bucketName) } : {}),
    });
    if (locking === "lockfile") {
      // cdktf 0.21 predates `use_lockfile`; Terraform >= 1.10 reads it from the backend block.
      stack.addOverride("terraform.backend.s3.use_lockfile", true);
    }
  }
}

function lockTableName(bucketName: string): string {
  return `${bucketName}-lock`;
}

/** The state bucket: versioned, encrypted, private, TLS-only, and protected from `terraform destroy`. */
class S3StateBucket extends Construct {
  constructor(scope: Construct, id: string, props: S3StateStoreProps) {
    super(scope, id);
    // Old state versions are kept for recovery, but not forever.
    hardenedBucket(this, { bucketName: props.bucketName, oldVersions: { ruleId: "expire-old-state-versions", days: 90, keep: 20 } });
    if (props.locking === "dynamodb") {
      new DynamodbTable(this, "lock", {
        name: lockTableName(props.bucketName),
        billingMode: "PAY_PER_REQUEST",
        hashKey: "LockID",
        attribute: [{ name: "LockID", type: "S" }],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        deletionProtectionEnabled: true,
        lifecycle: { preventDestroy: true },
      });
    }
  }
}

export interface HardenedBucketProps {
  readonly bucketName: string;
  /** How long overwritten or deleted objects are kept: `days` after they stop being current, the newest `keep` longer. */
  readonly oldVersions: { readonly ruleId: string; readonly days: number; readonly keep?: number };
}

/**
 * A bucket in `scope` that is versioned, KMS-encrypted, owner-enforced, private, TLS-only and protected from
 * `terraform destroy`, with old versions expiring: the state bucket, and each environment's etcd backups.
 */
export function hardenedBucket(scope: Construct, props: HardenedBucketProps): S3Bucket {
  const { bucketName, oldVersions } = props;
  const bucket = new S3Bucket(scope, "bucket", {
    bucket: bucketName,
    lifecycle: { preventDestroy: true },
  });
  new S3BucketVersioningA(scope, "versioning", {
    bucket: bucket.id,
    versioningConfiguration: { status: "Enabled" },
  });
  new S3BucketServerSideEncryptionConfigurationA(scope, "encryption", {
    bucket: bucket.id,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" }, bucketKeyEnabled: true }],
  });
  new S3BucketLifecycleConfiguration(scope, "old-versions", {
    bucket: bucket.id,
    rule: [
      {
        id: oldVersions.ruleId,
        status: "Enabled",
        filter: [{ prefix: "" }],
        noncurrentVersionExpiration: [{ noncurrentDays: oldVersions.days, ...(oldVersions.keep !== undefined ? { newerNoncurrentVersions: oldVersions.keep } : {}) }],
      },
    ],
  });
  new S3BucketOwnershipControls(scope, "ownership", {
    bucket: bucket.id,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  const publicAccess = new S3BucketPublicAccessBlock(scope, "public-access", {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketPolicy(scope, "tls-only", {
    bucket: bucket.id,
    policy: JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    }),
    // A policy put before the public access block is in place can be refused as "public".
    dependsOn: [publicAccess],
  });
  return bucket;
}
