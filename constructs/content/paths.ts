/** Repository paths of the generated content, shared by the generators that write them and the jobs that read them. */
export const REPOSITORY_PATHS = {
  kubeoneManifest: "kubeone/kubeone.yaml",
  kkpConfiguration: (env: string) => `kubermatic/${env}/kubermatic.yaml`,
  kkpValues: (env: string) => `kubermatic/${env}/values.yaml`,
  fluxCluster: (env: string) => `flux/clusters/${env}`,
};
