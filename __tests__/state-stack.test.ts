import { configFrom, resources, synthAll } from "./helpers";

describe("AWS state stack", () => {
  const config = configFrom();
  const state = synthAll(config).state;
  const bucketName = config.state.bucketName;

  test("creates the state bucket with the configured name, protected from destroy", () => {
    const [bucket] = resources(state, "aws_s3_bucket");
    expect(bucket.bucket).toBe(bucketName);
    expect(bucket.lifecycle).toEqual({ prevent_destroy: true });
  });

  test("versions the bucket", () => {
    expect(resources(state, "aws_s3_bucket_versioning")).toEqual([
      expect.objectContaining({ versioning_configuration: { status: "Enabled" } }),
    ]);
  });

  test("keeps the last 20 state versions and expires older ones after 90 days", () => {
    const [lifecycle] = resources(state, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule[0]).toMatchObject({ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 90, newer_noncurrent_versions: 20 }] });
  });

  test("encrypts the bucket by default", () => {
    const [encryption] = resources(state, "aws_s3_bucket_server_side_encryption_configuration");
    expect(encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("aws:kms");
  });

  test("blocks all public access and disables ACLs", () => {
    const [block] = resources(state, "aws_s3_bucket_public_access_block");
    expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    expect(resources(state, "aws_s3_bucket_ownership_controls")[0].rule.object_ownership).toBe("BucketOwnerEnforced");
  });

  test("denies every request that does not use TLS", () => {
    const [policy] = resources(state, "aws_s3_bucket_policy");
    const statement = JSON.parse(policy.policy).Statement[0];
    expect(statement).toMatchObject({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(statement.Resource).toEqual([`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`]);
  });

  test("locks state with S3's native lock file by default, with no DynamoDB table", () => {
    expect(state.terraform.backend.s3).toMatchObject({ use_lockfile: true });
    expect(state.terraform.backend.s3.dynamodb_table).toBeUndefined();
    expect(resources(state, "aws_dynamodb_table")).toEqual([]);
  });

  test("locks state with a protected DynamoDB table when configured", () => {
    const stacks = synthAll(configFrom((c) => (c.state = { locking: "dynamodb" })));
    const [table] = resources(stacks.state, "aws_dynamodb_table");
    expect(table).toMatchObject({ hash_key: "LockID", lifecycle: { prevent_destroy: true }, server_side_encryption: { enabled: true } });
    for (const stack of Object.values(stacks)) {
      expect(stack.terraform.backend.s3).toMatchObject({ dynamodb_table: table.name });
      expect(stack.terraform.backend.s3.use_lockfile).toBeUndefined();
    }
  });

  test("keeps its own state in the bucket it creates", () => {
    expect(state.terraform.backend.s3).toEqual({
      bucket: bucketName,
      key: "state.tfstate",
      region: "eu-central-1",
      encrypt: true,
      use_lockfile: true,
    });
  });
});
