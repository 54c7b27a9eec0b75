/** AWS as the registry knows it: its configuration section and facts needed before any provider binding loads. */
import { egressAddressesNeeded, requiredForOidc, type CloudModule } from "../../targets/cloud";
import { awsCloudSchema, type AwsCloudSettings } from "./schema";

type AwsSection = { readonly provider: "aws"; readonly aws: AwsCloudSettings };

export const AWS_CLOUD: CloudModule<AwsSection> = {
  schema: awsCloudSchema,
  machineDefaults: { controlPlane: "t3.large", worker: "t3.xlarge", bastion: "t3.micro" },
  // EC2 imports RSA and ED25519 keys only (ImportKeyPair), so an ECDSA key would fail at apply.
  sshKeyTypes: ["ssh-ed25519", "ssh-rsa"],
  backupsByDefault: true,
  location: (section) => `aws/${section.aws.region}`,
  check: (section, config) => [
    ...requiredForOidc(config, !section.aws.accountId, ["aws", "accountId"], "the pipeline assumes the identity stack's roles in this account"),
    ...egressAddressesNeeded(config, section.aws.vpc.existing !== undefined, "cloud.aws.vpc.existing", "VPC"),
  ],
  networks: (section) => (section.aws.vpc.existing ? [] : [{ path: ["aws", "vpc", "cidr"], cidr: section.aws.vpc.cidr }]),
  // Loaded on demand: the provider bindings cost a tenth of a second, which a Google Cloud installation need not pay.
  target: (config, section) => new (require("./target") as typeof import("./target")).AwsTarget(config, section.aws),
};

