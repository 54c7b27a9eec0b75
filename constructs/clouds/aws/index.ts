/** AWS as the registry knows it: its configuration section and facts needed before any provider binding loads. */
import type { CloudModule } from "../../targets/cloud";
import { awsCloudSchema, type AwsCloudSettings } from "./schema";

type AwsSection = { readonly provider: "aws"; readonly aws: AwsCloudSettings };

export const AWS_CLOUD: CloudModule<AwsSection> = {
  schema: awsCloudSchema,
  machineDefaults: { controlPlane: "t3.large", worker: "t3.xlarge", bastion: "t3.micro" },
  location: (section) => `aws/${section.aws.region}`,
  check: (section, config) => [
    ...(config.pipeline.credentials === "oidc" && !section.aws.accountId
      ? [
          {
            path: ["aws", "accountId"],
            message:
              "is required for OIDC credentials (pipeline.credentials: oidc): the pipeline assumes the identity stack's roles in this account; set it, or set pipeline.credentials: static-keys",
          },
        ]
      : []),
    ...(section.aws.vpc.existing && config.access.apiCidrs.length === 0
      ? [
          {
            path: ["access", "apiCidrs"],
            root: true,
            message:
              "is empty, but with cloud.aws.vpc.existing the nodes join the cluster through the API's public endpoint from the VPC's own egress address, which this tool cannot know; list the VPC's NAT addresses",
          },
        ]
      : []),
  ],
  // Loaded on demand: the provider bindings cost a tenth of a second, which a Google Cloud installation need not pay.
  target: (config, section) => new (require("./target") as typeof import("./target")).AwsTarget(config, section.aws),
};
