/** The tags that say which cluster an AWS resource belongs to, read by the cloud controller, the policies and the tests. */

/** The tag the cluster and DNS stacks put on every resource they create: which cluster (environment) owns it. */
export const CLUSTER_OWNER_TAG = "kkp.k8c.io/cluster";

/** Kubernetes' own cluster tag (`kubernetes.io/cluster/<cluster>`), which the AWS cloud controller looks for. */
export function clusterTag(clusterName: string): string {
  return `kubernetes.io/cluster/${clusterName}`;
}

/** The tag machine-controller puts on every worker it starts (value: the pool), which no other machine carries. */
export function workerPoolTag(clusterName: string): string {
  return `${clusterName}-workers`;
}
