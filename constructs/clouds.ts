/** Picks the CloudTarget for the configured cloud; each cloud adds one case here and a directory beside aws/. */
import type { KkpConfig } from "../config/resolve";
import { AwsTarget } from "./aws/target";
import type { CloudTarget } from "./cloud";
import { GcpTarget } from "./gcp/target";

export function cloudTargetFor(config: KkpConfig): CloudTarget {
  switch (config.cloud.provider) {
    case "aws":
      return new AwsTarget(config, config.cloud.aws);
    case "gcp":
      return new GcpTarget(config, config.cloud.gcp);
  }
}
