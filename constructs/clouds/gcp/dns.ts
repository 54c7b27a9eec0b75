/** KKP's records in a Cloud DNS managed zone. Google load balancers have IP addresses, so the records are A records. */
import { DataGoogleDnsManagedZone } from "@cdktf/provider-google/lib/data-google-dns-managed-zone";
import { DnsRecordSet } from "@cdktf/provider-google/lib/dns-record-set";
import { Construct } from "constructs";
import { recordConstructId, type DnsRecord } from "../../dns-records";

export interface CloudDnsRecordsProps {
  /** The managed zone's resource name, e.g. `example-com`. */
  readonly managedZone: string;
  /** The zone's domain, e.g. `example.com`; the plan fails early if the managed zone serves another one. */
  readonly zone: string;
  readonly ttlSeconds: number;
  readonly records: readonly DnsRecord[];
}

export class CloudDnsRecords extends Construct {
  constructor(scope: Construct, id: string, props: CloudDnsRecordsProps) {
    super(scope, id);
    const zone = new DataGoogleDnsManagedZone(this, "zone", {
      name: props.managedZone,
      lifecycle: {
        postcondition: [
          {
            condition: `\${self.dns_name == "${props.zone}."}`,
            errorMessage: `Cloud DNS managed zone ${props.managedZone} does not serve ${props.zone} (dns.zone); fix cloud.gcp.dnsManagedZone or dns.zone.`,
          },
        ],
      },
    });
    for (const record of props.records) {
      new DnsRecordSet(this, recordConstructId(record.name), {
        managedZone: zone.name,
        name: `${record.name}.`,
        type: "A",
        ttl: props.ttlSeconds,
        rrdatas: [record.target],
      });
    }
  }
}
