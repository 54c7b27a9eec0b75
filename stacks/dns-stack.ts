import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/settings/resolve";
import { TerraformStack, TerraformVariable } from "../constructs/core/cdktf";
import { DNS_TARGET_VARIABLES, stateKeys, type DnsTargetService } from "../constructs/core/names";
import { kkpRecordNames } from "../constructs/dns-records";
import type { CloudTarget } from "../constructs/targets/cloud";
import type { StateStore } from "../constructs/targets/state-store";

export interface DnsStackProps {
  readonly cloud: CloudTarget;
  readonly stateStore: StateStore;
  readonly env: EnvironmentConfig;
}

/**
 * One environment's DNS records for KKP: `<domain>`, `*.<domain>` and `*.kubermatic.<domain>`, pointing at the
 * addresses of KKP's LoadBalancer services, which `dns-update` passes in as variables once KKP is installed.
 */
export class DnsStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: DnsStackProps) {
    super(scope, id);
    props.cloud.configureProvider(this, props.env);
    props.stateStore.attach(this, stateKeys.dns(props.env.name));

    const targets = Object.fromEntries(
      Object.entries(DNS_TARGET_VARIABLES).map(([service, variable]) => [
        service,
        new TerraformVariable(this, variable.name, {
          type: "string",
          nullable: false,
          description: variable.description,
          validation: [{ condition: `\${length(var.${variable.name}) > 0}`, errorMessage: `${variable.name} must not be empty.` }],
        }).stringValue,
      ]),
    ) as Record<DnsTargetService, string>;

    props.cloud.defineDnsRecords(
      this,
      kkpRecordNames(props.env.domain).map((record) => ({ name: record.name, target: targets[record.service] })),
    );
  }
}
