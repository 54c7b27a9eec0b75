/**
 * Picks the CloudTarget for the configured cloud; each cloud adds one case here and a directory beside aws/.
 * Targets are loaded on demand: a cloud's provider bindings cost a tenth of a second to load, so an AWS
 * installation does not pay for Google's and vice versa.
 */
import type { KkpConfig } from "../config/resolve";
import type { CloudTarget } from "./cloud";

export function cloudTargetFor(config: KkpConfig): CloudTarget {
  switch (config.cloud.provider) {
    case "aws": {
      const { AwsTarget } = require("./aws/target") as typeof import("./aws/target");
      return new AwsTarget(config, config.cloud.aws);
    }
    case "gcp": {
      const { GcpTarget } = require("./gcp/target") as typeof import("./gcp/target");
      return new GcpTarget(config, config.cloud.gcp);
    }
  }
}
