/** The CI secrets the pipeline reads, named once for the model, the renderers and the CI stacks. */
import type { CloudLogin, Secret } from "./model";

export const SECRETS = {
  sshPrivateKey: { name: "SSH_PRIVATE_KEY", description: "private half of ssh.publicKey; KubeOne reaches the nodes with it", scope: "environment" },
  kubeoneCredentials: {
    name: "KUBEONE_CREDENTIALS",
    description: "KubeOne credentials file (YAML) with long-lived cloud credentials that machine-controller and the cloud controller keep using inside the cluster",
    scope: "environment",
  },
  fluxToken: { name: "FLUX_GITHUB_TOKEN", description: "token flux bootstrap uses to add its deploy key and commit its manifests", scope: "environment" },
} satisfies Record<string, Secret>;

/** Long-lived cloud keys, used only with `pipeline.credentials: static-keys`. */
export const CLOUD_KEY_SECRETS: Record<CloudLogin["provider"], readonly Secret[]> = {
  aws: [
    { name: "AWS_ACCESS_KEY_ID", description: "access key of the pipeline's IAM user", scope: "repository" },
    { name: "AWS_SECRET_ACCESS_KEY", description: "secret key of the pipeline's IAM user", scope: "repository" },
  ],
  gcp: [{ name: "GOOGLE_CREDENTIALS", description: "JSON key of the pipeline's service account", scope: "repository" }],
};
