/**
 * The Kubernetes API endpoint on Google Cloud: a global external proxy Network Load Balancer (TCP proxy) on 6443.
 *
 * Why not a passthrough load balancer (target pool or backend service): Google's guest agent routes a passthrough
 * load balancer's address locally on every backend, so a control-plane node that talks to the API endpoint talks
 * to itself. While KubeOne joins the second and third control-plane nodes their API server is not running yet, so
 * the join fails; KubeOne's own example works around it by adding nodes to the pool only after the first run. A
 * proxy load balancer has no such local route: every connection goes through Google's front ends to a backend
 * whose HTTPS /healthz passes. Client addresses are not visible to the nodes' firewall behind a proxy, so
 * `access.apiCidrs` is enforced by a Cloud Armor policy on the backend service instead.
 */
import { ComputeBackendService } from "@cdktf/provider-google/lib/compute-backend-service";
import { ComputeGlobalAddress } from "@cdktf/provider-google/lib/compute-global-address";
import { ComputeGlobalForwardingRule } from "@cdktf/provider-google/lib/compute-global-forwarding-rule";
import { ComputeHealthCheck } from "@cdktf/provider-google/lib/compute-health-check";
import { ComputeInstanceGroup } from "@cdktf/provider-google/lib/compute-instance-group";
import { ComputeSecurityPolicy } from "@cdktf/provider-google/lib/compute-security-policy";
import { ComputeTargetTcpProxy } from "@cdktf/provider-google/lib/compute-target-tcp-proxy";
import { Construct } from "constructs";

export const API_PORT = 6443;
/** Where Google's front ends and health checks connect from (proxy and global load balancers). */
export const GOOGLE_FRONT_END_RANGES = ["35.191.0.0/16", "130.211.0.0/22"];
/** Cloud Armor takes at most ten ranges per rule. */
const RANGES_PER_RULE = 10;
/** Long-lived watches must survive the proxy's idle timeout. */
const IDLE_TIMEOUT_SEC = 600;

export interface ApiLoadBalancerProps {
  readonly clusterName: string;
  readonly network: string;
  /** Control-plane instances by zone: one unmanaged instance group per zone becomes a backend. */
  readonly instancesByZone: ReadonlyArray<{ zone: string; instances: readonly string[] }>;
  /** Who may connect; `0.0.0.0/0` means anyone, and then no Cloud Armor policy is needed. */
  readonly allowedCidrs: readonly string[];
}

export class ApiLoadBalancer extends Construct {
  /** The endpoint's static IP address. */
  readonly address: string;

  constructor(scope: Construct, id: string, props: ApiLoadBalancerProps) {
    super(scope, id);
    const { clusterName } = props;
    const address = new ComputeGlobalAddress(this, "address", { name: `${clusterName}-api` });
    this.address = address.address;

    const healthCheck = new ComputeHealthCheck(this, "health-check", {
      name: `${clusterName}-api`,
      checkIntervalSec: 5,
      timeoutSec: 3,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
      httpsHealthCheck: { port: API_PORT, requestPath: "/healthz" },
    });
    const groups = props.instancesByZone.map(
      ({ zone, instances }, i) =>
        new ComputeInstanceGroup(this, `control-plane-${i + 1}`, {
          name: `${clusterName}-cp-${i + 1}`,
          zone,
          network: props.network,
          instances: [...instances],
          namedPort: [{ name: "apiserver", port: API_PORT }],
        }),
    );
    const policy = props.allowedCidrs.includes("0.0.0.0/0") ? undefined : this.allowList(clusterName, props.allowedCidrs);
    const backend = new ComputeBackendService(this, "backend", {
      name: `${clusterName}-api`,
      protocol: "TCP",
      loadBalancingScheme: "EXTERNAL_MANAGED",
      portName: "apiserver",
      timeoutSec: IDLE_TIMEOUT_SEC,
      healthChecks: [healthCheck.id],
      backend: groups.map((group) => ({ group: group.id, balancingMode: "UTILIZATION", maxUtilization: 0.8 })),
      ...(policy ? { securityPolicy: policy.id } : {}),
    });
    const proxy = new ComputeTargetTcpProxy(this, "proxy", { name: `${clusterName}-api`, backendService: backend.id });
    new ComputeGlobalForwardingRule(this, "forwarding-rule", {
      name: `${clusterName}-api`,
      ipAddress: address.id,
      ipProtocol: "TCP",
      portRange: String(API_PORT),
      loadBalancingScheme: "EXTERNAL_MANAGED",
      target: proxy.id,
    });
  }

  /** Allow the listed ranges, deny everyone else. */
  private allowList(clusterName: string, cidrs: readonly string[]): ComputeSecurityPolicy {
    const chunks = Array.from({ length: Math.ceil(cidrs.length / RANGES_PER_RULE) }, (_, i) => cidrs.slice(i * RANGES_PER_RULE, (i + 1) * RANGES_PER_RULE));
    return new ComputeSecurityPolicy(this, "allow-list", {
      name: `${clusterName}-api`,
      description: "Who may reach the Kubernetes API (access.apiCidrs and the cluster's NAT address)",
      type: "CLOUD_ARMOR",
      rule: [
        ...chunks.map((ranges, i) => ({
          action: "allow",
          priority: 1000 + i,
          match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ranges } },
          description: "access.apiCidrs",
        })),
        { action: "deny(403)", priority: 2147483647, match: { versionedExpr: "SRC_IPS_V1", config: { srcIpRanges: ["*"] } }, description: "everyone else" },
      ],
    });
  }
}
