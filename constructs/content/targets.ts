/**
 * What the generated repository content needs to know about the configured cloud and git host. The targets
 * (clouds/<cloud>/, ci/<system>/) provide these facts; the generators never branch on a provider.
 */
import type { Secret } from "../core/pipeline-model";
import type { Manifest } from "./yaml";

export interface CloudContent {
  /** The cloud's name in generated object names, e.g. the Preset `<installation>-aws`. */
  readonly id: string;
  /** The `cloudProvider` section of the KubeOneCluster manifest. */
  readonly kubeoneCloudProvider: Manifest;
  /** The Seed's datacenters: KKP CE's one seed is the master cluster itself, with one datacenter in its region. */
  readonly seedDatacenters: Manifest;
  /** The Preset's credentials section, each value a `${NAME}` placeholder of one of `presetSecrets`. */
  readonly presetCredentials: Manifest;
  /** The admin-supplied CI secrets holding the Preset's credentials. */
  readonly presetSecrets: readonly Secret[];
  /** The S3-compatible endpoint of the cloud's object storage, where KKP backs its user clusters' etcd up. */
  readonly backupEndpoint: string;
}

export interface GitHost {
  /** The repository as Flux reaches it (ssh, with bootstrap's deploy key) and as notification providers address it. */
  readonly repositoryUrls: { readonly ssh: string; readonly https: string };
  /** Flux's notification providers for the host: a commit-status provider, and any that start post-deployment. */
  readonly notificationProviders: ReadonlyArray<{ readonly name: string; readonly type: string }>;
}
