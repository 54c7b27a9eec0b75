import { TerraformStack, TerraformVariable } from "cdktf";
import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../config/resolve";
import type { CloudTarget } from "../constructs/cloud";
import { kkpRecordNames, type DnsTargetService } from "../constructs/dns/kkp-records";

export interface DnsStackProps {
  readonly cloud: CloudTarget;
  readonly env: EnvironmentConfig;
}

/**
 * Terraform variables carrying the addresses of KKP's LoadBalancer services. They exist only once KKP is
 * installed, so `dns-update` reads them from the cluster and passes them in (`-var ingress_target=...`).
 */
export const DNS_TARGET_VARIABLES: Record<DnsTargetService, { name: string; service: string }> = {
  ingress: { name: "ingress_target", service: "nginx-ingress-controller/nginx-ingress-controller" },
  nodeportProxy: { name: "nodeport_proxy_target", service: "kubermatic/nodeport-proxy" },
};

/** One environment's DNS records for KKP: `<domain>`, `*.<domain>` and `*.kubermatic.<domain>`. */
export class DnsStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: DnsStackProps) {
    super(scope, id);
    props.cloud.configureProvider(this);
    props.cloud.stateStore.attach(this, `${props.env.name}/dns`);

    const targets = Object.fromEntries(
      Object.entries(DNS_TARGET_VARIABLES).map(([service, variable]) => [
        service,
        new TerraformVariable(this, variable.name, {
          type: "string",
          nullable: false,
          description: `External address (host name or IP) of the LoadBalancer service ${variable.service}`,
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
