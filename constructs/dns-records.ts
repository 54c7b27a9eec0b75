/** The DNS names KKP needs, independent of the cloud that serves them. */
import type { DnsTargetService } from "./core/names";

export interface DnsRecord {
  /** Fully qualified record name without trailing dot, e.g. `*.kkp.example.com`. */
  readonly name: string;
  /** The address (IP or host name) the record resolves to: a Terraform expression. */
  readonly target: string;
}

/** A stable construct ID per record name: `*.kkp.example.com` becomes `wildcard.kkp.example.com`. */
export function recordConstructId(name: string): string {
  return name.replace(/\*/g, "wildcard");
}

/** The records of one environment: the dashboard and user clusters' ingress, and the seed's nodeport-proxy. */
export function kkpRecordNames(domain: string): ReadonlyArray<{ name: string; service: DnsTargetService }> {
  return [
    { name: domain, service: "ingress" },
    { name: `*.${domain}`, service: "ingress" },
    { name: `*.kubermatic.${domain}`, service: "nodeportProxy" },
  ];
}
