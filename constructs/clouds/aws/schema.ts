/** The `cloud.aws` section: settings that only mean something on Amazon Web Services. */
import { z } from "zod";
import { ipv4Cidr, parseCidr } from "../../../config/settings/formats";
import { awsRegionIssues } from "./regions";

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const SUBNET_ID = z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "must be a subnet ID such as subnet-0123456789abcdef0" });

export const awsCloudSchema = z
  .strictObject({
    provider: z.literal("aws"),
    aws: z
      .strictObject({
        region: z
          .string()
          .regex(AWS_REGION, { error: "must be an AWS region code such as eu-central-1 or us-east-2" })
          .describe("AWS region of the KKP master cluster and the state bucket, e.g. eu-central-1."),
        availabilityZones: z
          .array(z.string().regex(/^[a-z0-9-]+[a-z]$/, { error: "must be an availability zone name such as eu-central-1a" }))
          .min(1)
          .max(6)
          .optional()
          .describe("Availability zones to spread the cluster over. @default - the first three available zones of the region"),
        vpc: z
          .strictObject({
            cidr: ipv4Cidr
              .refine((value) => inRange(parseCidr(value)?.prefix, 16, 22), {
                error: "must have a prefix between /16 and /22, so each zone's subnets have room for nodes",
              })
              .default("10.0.0.0/16").describe("CIDR of the VPC this tool creates. @default 10.0.0.0/16"),
            natGateways: z
              .enum(["per-zone", "single"], { error: "cloud.aws.vpc.natGateways must be 'per-zone' or 'single'" })
              .default("per-zone")
              .describe(
                "NAT gateways of the VPC this tool creates: one per zone, each zone's private subnet routed through its own, so the nodes keep their egress and their way to the API's public endpoint when a zone fails; or a single one in the first zone, which costs less and takes every node's egress down with that zone. @default per-zone",
              ),
            existing: z
              .strictObject({
                vpcId: z
                  .string()
                  .regex(/^vpc-[0-9a-f]{8,17}$/, { error: "must be a VPC ID such as vpc-0123456789abcdef0" })
                  .describe("ID of the VPC."),
                publicSubnetIds: z.array(SUBNET_ID).min(1).describe("Subnets with a route to an internet gateway: load balancers and bastion."),
                privateSubnetIds: z.array(SUBNET_ID).min(1).describe("Subnets for the control plane and workers, with outbound internet access."),
              })
              .optional()
              .describe("Use an existing VPC instead of creating one. Its egress addresses must then be listed in access.apiCidrs."),
          })
          .default({ cidr: "10.0.0.0/16", natGateways: "per-zone" })
          .describe("The network of the cluster. @default a new VPC 10.0.0.0/16 with a NAT gateway per zone"),
        amiId: z
          .string()
          .regex(/^ami-[0-9a-f]{8,17}$/, { error: "must be an AMI ID such as ami-0123456789abcdef0" })
          .optional()
          .describe("Pin the machine image. @default - the newest Ubuntu 24.04 LTS AMI published by Canonical"),
        accountId: z
          .string()
          .regex(/^\d{12}$/, { error: "must be a 12-digit AWS account ID such as 123456789012" })
          .optional()
          .describe(
            "AWS account of the installation. The identity stack creates the pipeline's roles in it, and every stack refuses to run against another account. Required unless pipeline.credentials is static-keys.",
          ),
        oidcProviderExists: z
          .boolean()
          .default(false)
          .describe(
            "The account already has an IAM OIDC provider for the CI system's issuer (IAM allows one per issuer): the identity stack uses it, and refuses it unless it admits the pipeline's audience. @default false (the identity stack creates it)",
          ),
        pipelineRoleArn: z
          .unknown()
          .refine((value) => value === undefined, { error: "was replaced by the identity stack's roles: remove it, set cloud.aws.accountId, and deploy the identity stack (README, one-time setup)" })
          .optional()
          .describe("Replaced by accountId and the identity stack; refused with a hint."),
        tags: z
          .record(z.string().min(1).max(128), z.string().max(256))
          .default({})
          .describe("Tags added to every AWS resource (provider default_tags). @default {}"),
      })
      .superRefine((aws, ctx) => {
        for (const issue of awsRegionIssues(aws)) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      })
      .refine((aws) => !(aws.availabilityZones && aws.vpc.existing), {
        path: ["availabilityZones"],
        error: "cannot be combined with vpc.existing, whose private subnets already decide the zones; remove one of them",
      })
      .describe("Settings for Amazon Web Services."),
  })
  .describe("Run the KKP master cluster on AWS.");

function inRange(value: number | undefined, min: number, max: number): boolean {
  return value !== undefined && value >= min && value <= max;
}

export type AwsCloudSettings = z.infer<typeof awsCloudSchema>["aws"];
