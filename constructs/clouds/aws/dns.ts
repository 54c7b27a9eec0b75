/** KKP's records in a Route53 hosted zone. AWS load balancers have host names, so the records are CNAMEs. */
import { DataAwsRoute53Zone } from "@cdktf/provider-aws/lib/data-aws-route53-zone";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { Construct } from "constructs";
import { recordConstructId, type DnsRecord } from "../../dns-records";

export interface Route53RecordsProps {
  /** The public hosted zone's domain, e.g. `example.com`. */
  readonly zone: string;
  readonly ttlSeconds: number;
  readonly records: readonly DnsRecord[];
}

export class Route53Records extends Construct {
  constructor(scope: Construct, id: string, props: Route53RecordsProps) {
    super(scope, id);
    const zone = new DataAwsRoute53Zone(this, "zone", { name: props.zone, privateZone: false });
    props.records.forEach(
      (record) =>
        new Route53Record(this, recordConstructId(record.name), {
          zoneId: zone.zoneId,
          name: record.name,
          type: "CNAME",
          ttl: props.ttlSeconds,
          records: [record.target],
        }),
    );
  }
}
