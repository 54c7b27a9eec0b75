/**
 * The stepped upgrade from an installation made with this tool's previous defaults (KKP 2.28, Kubernetes 1.32,
 * KubeOne 1.11) to the current set: each step is one configuration change, pushed and deployed before the next.
 * Every step passes the compatibility check and the pipeline's upgrade guard; docs/UPGRADING.md explains them.
 */
import type { VersionSet } from "./compatibility";

export interface UpgradeStep {
  /** What the step does, as the guide's heading says it. */
  readonly title: string;
  /** The versions configured once the step is committed: kubernetes.version and pipeline.tools. */
  readonly versions: VersionSet & { readonly terraform: string };
}

/** Where an installation made with the previous defaults starts. */
export const PREVIOUS_DEFAULTS: UpgradeStep["versions"] = {
  kubernetes: "1.32.9",
  kubeone: "1.11.2",
  kubermatic: "v2.28.3",
  flux: "2.6.4",
  helm: "v3.17.3",
  kubectl: "v1.32.9",
  terraform: "1.11.4",
};

export const UPGRADE_PATH: readonly UpgradeStep[] = [
  {
    title: "Newest patches of the running lines, Helm 3.20, Flux 2.7, Terraform 1.15",
    versions: { kubernetes: "1.32.13", kubeone: "1.11.4", kubermatic: "v2.28.13", flux: "2.7.5", helm: "v3.20.2", kubectl: "v1.32.13", terraform: "1.15.9" },
  },
  {
    title: "Kubernetes 1.33",
    versions: { kubernetes: "1.33.13", kubeone: "1.11.4", kubermatic: "v2.28.13", flux: "2.7.5", helm: "v3.20.2", kubectl: "v1.33.13", terraform: "1.15.9" },
  },
  {
    title: "KubeOne 1.12 and KKP 2.29",
    versions: { kubernetes: "1.33.13", kubeone: "1.12.4", kubermatic: "v2.29.10", flux: "2.7.5", helm: "v3.20.2", kubectl: "v1.33.13", terraform: "1.15.9" },
  },
  {
    title: "Kubernetes 1.34",
    versions: { kubernetes: "1.34.11", kubeone: "1.12.4", kubermatic: "v2.29.10", flux: "2.7.5", helm: "v3.20.2", kubectl: "v1.34.11", terraform: "1.15.9" },
  },
  {
    title: "KubeOne 1.13, KKP 2.30 and Flux 2.8",
    versions: { kubernetes: "1.34.11", kubeone: "1.13.7", kubermatic: "v2.30.6", flux: "2.8.8", helm: "v3.20.2", kubectl: "v1.34.11", terraform: "1.15.9" },
  },
  {
    title: "Kubernetes 1.35",
    versions: { kubernetes: "1.35.8", kubeone: "1.13.7", kubermatic: "v2.30.6", flux: "2.8.8", helm: "v3.20.2", kubectl: "v1.35.8", terraform: "1.15.9" },
  },
  {
    title: "KubeOne 1.14, KKP 2.31 on Gateway API, Flux 2.9 and Helm 4",
    versions: { kubernetes: "1.35.8", kubeone: "1.14.2", kubermatic: "v2.31.0", flux: "2.9.4", helm: "v4.2.4", kubectl: "v1.35.8", terraform: "1.15.9" },
  },
  {
    title: "Kubernetes 1.36: the current defaults",
    versions: { kubernetes: "1.36.4", kubeone: "1.14.2", kubermatic: "v2.31.0", flux: "2.9.4", helm: "v4.2.4", kubectl: "v1.36.4", terraform: "1.15.9" },
  },
];
