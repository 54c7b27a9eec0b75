/**
 * The repository content the pipeline and Flux read: the KubeOne manifest, KKP's installer
 * input per environment and the Flux tree per environment, for the AWS and the GCP example.
 */
import { parser as promqlParser } from "@prometheus-io/lezer-promql";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { ClusterIssuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { HelmRelease } from "@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2";
import { HTTPRoute } from "@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1";
import { Kustomization } from "@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1";
import { Alert, Provider } from "@kubernetes-models/flux-cd/notification.toolkit.fluxcd.io/v1beta3";
import { GitRepository, HelmRepository } from "@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1";
import { parse, parseAllDocuments, stringify } from "yaml";
import { PROJECT_ROOT } from "../config/load";
import type { Config as KkpConfig } from "../config/load";
import { fillPlaceholders, MissingSecretError, placeholderNames } from "../constructs/content/placeholders";
import { REPOSITORY_PATHS } from "../constructs/core/names";
import { installationOf, pipelineOf } from "../config/installation";
import { WORKFLOW_PATH } from "../constructs/ci/github/workflow";
import type { Job } from "../constructs/core/pipeline-model";
import { GRAFANA_CLIENT_SECRET, KKP_SECRETS } from "../constructs/core/secrets";
import { repositoryFiles } from "../config/repository-files";
import { configErrorFor, configFrom, gcpExampleText, PRESET_SECRETS } from "./helpers";
import { testDir } from "./test-dirs";

/** Flux's CRD schemas, one validator per apiVersion and kind the tree may use. */
const FLUX_MODELS: Record<string, { new (data: any): { validate(): void } }> = {
  "kustomize.toolkit.fluxcd.io/v1/Kustomization": Kustomization,
  "source.toolkit.fluxcd.io/v1/HelmRepository": HelmRepository,
  "source.toolkit.fluxcd.io/v1/GitRepository": GitRepository,
  "notification.toolkit.fluxcd.io/v1beta3/Provider": Provider,
  "notification.toolkit.fluxcd.io/v1beta3/Alert": Alert,
  "helm.toolkit.fluxcd.io/v2/HelmRelease": HelmRelease,
};

const examples: Array<[string, KkpConfig, string]> = [
  ["the embedded example (AWS, monitoring)", configFrom(), "config/kkp.example.yaml"],
  ["the GCP example (monitoring, logging, alerting)", configFrom(undefined, gcpExampleText), "examples/gcp-github.yaml"],
  [
    "a configuration without optional components",
    configFrom((c) => {
      c.kkp.monitoring = false;
    }),
    "kkp.yaml",
  ],
];

const yamlFiles = (files: ReadonlyMap<string, string>) => [...files].filter(([file]) => file.endsWith(".yaml") || file.endsWith(".yml"));
const objectsOf = (content: string) => parseAllDocuments(content).map((doc) => doc.toJS()).filter((o) => o !== null);
const jobOf = (config: KkpConfig, id: string): Job => pipelineOf(installationOf({ config, configFile: "kkp.yaml" })).jobs.find((job) => job.id === id)!;
const stepOf = (job: Job, name: string) => job.steps.find((step) => step.name === name)!;

/** Where Prometheus' PromQL grammar (its web UI's parser) finds an error in `expr`, as `<offset>: <text>`. */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  promqlParser.parse(expr).iterate({ enter: (node) => void (node.type.isError && errors.push(`${node.from}: ${expr.slice(node.from, node.to + 10)}`)) });
  return errors;
}

function writeTree(files: ReadonlyMap<string, string>): string {
  const dir = testDir("kkp-content-");
  for (const [file, content] of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

describe.each(examples)("repository content of %s", (_, config, configFile) => {
  const files = repositoryFiles(installationOf({ config, configFile }));
  const env = config.environments[0];
  const fluxRoot = `${REPOSITORY_PATHS.fluxCluster(env.name)}/kkp`;
  const fluxFiles = [...files].filter(([file]) => file.startsWith(`${fluxRoot}/`));
  const fluxObjects = fluxFiles.flatMap(([, content]) => objectsOf(content));

  test("holds the KubeOne manifest, the KKP installer files and the Flux tree of the environment", () => {
    expect([...files.keys()]).toEqual(
      expect.arrayContaining([
        WORKFLOW_PATH,
        REPOSITORY_PATHS.kubeoneManifest,
        REPOSITORY_PATHS.kkpConfiguration(env.name),
        REPOSITORY_PATHS.kkpValues(env.name),
        `${fluxRoot}/kustomization.yaml`,
        `${fluxRoot}/entry.yaml`,
        `${fluxRoot}/parts/flux.yaml`,
        `${fluxRoot}/parts/notifications.yaml`,
        `${fluxRoot}/parts/platform/seed.yaml`,
        `${fluxRoot}/parts/platform/project.yaml`,
        `${fluxRoot}/parts/platform/preset.yaml`,
      ]),
    );
  });

  test("every generated YAML file parses without error or warning and round-trips unchanged", () => {
    for (const [file, content] of yamlFiles(files)) {
      const docs = parseAllDocuments(content);
      expect({ file, errors: docs.flatMap((d) => [...d.errors, ...d.warnings].map((e) => e.message)) }).toEqual({ file, errors: [] });
      for (const doc of docs) {
        const data = doc.toJS();
        expect(parse(stringify(data))).toEqual(data);
      }
      expect(content.split("\n")[0]).toMatch(new RegExp(`^# Generated by kkp-gitops from ${configFile.replace(/\./g, "\\.")}\\.`));
    }
  });

  test("every Flux object validates against Flux's CRD schemas at a current API version", () => {
    const flux = fluxObjects.filter((o) => /\.toolkit\.fluxcd\.io\//.test(o.apiVersion));
    expect(flux.length).toBeGreaterThan(0);
    for (const object of flux) {
      const model = FLUX_MODELS[`${object.apiVersion}/${object.kind}`];
      expect({ object: `${object.apiVersion}/${object.kind}`, known: model !== undefined }).toEqual({ object: `${object.apiVersion}/${object.kind}`, known: true });
      expect(() => new model(object).validate()).not.toThrow();
    }
  });

  test("the ClusterIssuer validates against cert-manager's schema, solving HTTP-01 through KKP's Gateway", () => {
    const issuer = fluxObjects.find((o) => o.kind === "ClusterIssuer");
    expect(() => new ClusterIssuer(issuer).validate()).not.toThrow();
    expect(issuer.spec.acme.solvers).toEqual([{ http01: { gatewayHTTPRoute: { parentRefs: [{ kind: "Gateway", name: "kubermatic", namespace: "kubermatic" }] } } }]);
    // The schema knows the key and checks inside it (the models admit unknown keys, so this is what proves the name).
    const broken = { ...issuer, spec: { acme: { ...issuer.spec.acme, solvers: [{ http01: { gatewayHTTPRoute: { parentRefs: "kubermatic" } } }] } } };
    expect(() => new ClusterIssuer(broken).validate()).toThrow(/parentRefs/);
  });

  test("kkp-deploy applies that ClusterIssuer, from the file Flux applies, right after the installer made cert-manager and the Gateway", () => {
    const job = jobOf(config, "kkp-deploy");
    const names = job.steps.map((s) => s.name);
    expect(names.indexOf("Apply the certificate issuer")).toBe(names.indexOf("kubermatic-installer deploy") + 1);
    const file = stepOf(job, "Apply the certificate issuer").run.match(/-f (\S+)$/m)![1];
    expect(objectsOf(files.get(file)!)).toEqual([fluxObjects.find((o) => o.kind === "ClusterIssuer")]);
    expect(stepOf(job, "Apply the certificate issuer").run).toContain("kubectl wait --for condition=established --timeout=5m crd/clusterissuers.cert-manager.io");
    // Flux holds the fields once it has applied them: a changed issuer must win over Flux's older copy, not conflict.
    expect(stepOf(job, "Apply the certificate issuer").run).toContain("kubectl apply --server-side --force-conflicts --field-manager=kkp-deploy -f ");
  });

  test("Grafana's HTTPRoute, as the chart renders it from these values, is a valid Gateway API route", () => {
    const stack = fluxObjects.find((o) => o.kind === "HelmRelease" && o.metadata.name === "kube-prometheus-stack");
    if (!stack) return;
    const { hostnames, parentRefs } = stack.spec.values.grafana.route.main;
    const route = { metadata: { name: "kube-prometheus-stack-grafana", namespace: "monitoring" }, spec: { hostnames, parentRefs, rules: [{ backendRefs: [{ name: "kube-prometheus-stack-grafana", port: 80 }] }] } };
    expect(() => new HTTPRoute(route).validate()).not.toThrow();
    expect(() => new HTTPRoute({ ...route, spec: { ...route.spec, hostnames: ["Grafana_Host"] } }).validate()).toThrow();
  });

  test("the schema check is real: a Flux Kustomization without its required fields is rejected", () => {
    const [kustomization] = fluxObjects.filter((o) => o.kind === "Kustomization" && o.apiVersion.startsWith("kustomize.toolkit"));
    const { sourceRef: _, ...withoutSource } = kustomization.spec;
    expect(() => new Kustomization({ ...kustomization, spec: withoutSource }).validate()).toThrow(/sourceRef/);
    expect(() => new Kustomization({ ...kustomization, spec: { ...kustomization.spec, prune: "yes" } }).validate()).toThrow(/prune/);
  });

  test("kubectl kustomize builds every kustomization directory of the Flux tree", () => {
    const dir = writeTree(files);
    const kustomizations = fluxFiles.filter(([file]) => file.endsWith("/kustomization.yaml"));
    expect(kustomizations.length).toBeGreaterThanOrEqual(2);
    for (const [file] of kustomizations) {
      const build = spawnSync("kubectl", ["kustomize", path.join(dir, path.dirname(file))], { encoding: "utf8" });
      expect({ file, status: build.status, stderr: build.stderr }).toEqual({ file, status: 0, stderr: "" });
      const listed = (parse(files.get(file)!).resources as string[]).flatMap((resource) => objectsOf(files.get(`${path.dirname(file)}/${resource}`)!));
      expect(objectsOf(build.stdout)).toHaveLength(listed.length);
    }
  });

  test("each part of the tree is applied by exactly one Flux Kustomization, which points at a generated directory", () => {
    // flux bootstrap's Kustomization applies flux/clusters/<env>; it finds kkp/ by its kustomization.yaml.
    expect(parse(files.get(`${fluxRoot}/kustomization.yaml`)!).resources).toEqual(["entry.yaml"]);
    expect(parse(files.get(`${fluxRoot}/parts/kustomization.yaml`)!).resources).toEqual(["flux.yaml", "notifications.yaml"]);
    const parts = fluxObjects.filter((o) => o.apiVersion === "kustomize.toolkit.fluxcd.io/v1");
    const paths = parts.map((k) => k.spec.path);
    expect(new Set(paths).size).toBe(paths.length);
    for (const part of parts) {
      // The first environment follows main through bootstrap's own source.
      expect(part.spec.sourceRef).toEqual({ kind: "GitRepository", name: "flux-system" });
      expect(part.metadata.name).toMatch(new RegExp(`^kkp-${env.name}(-(platform|monitoring|logging))?$`));
      expect(files.has(`${part.spec.path.replace(/^\.\//, "")}/kustomization.yaml`)).toBe(true);
      for (const dependency of part.spec.dependsOn ?? []) expect(parts.map((p) => p.metadata.name)).toContain(dependency.name);
    }
    const partDirs = new Set(fluxFiles.map(([file]) => path.dirname(file)).filter((dir) => dir !== fluxRoot));
    expect([...partDirs].map((dir) => `./${dir}`).sort()).toEqual([...paths].sort());
  });

  test("the optional components follow the configuration", () => {
    const names = fluxObjects.filter((o) => o.kind === "HelmRelease").map((o) => o.metadata.name);
    expect(names).toEqual([...(config.kkp.monitoring ? ["kube-prometheus-stack"] : []), ...(config.kkp.logging ? ["loki", "alloy"] : [])]);
    const stack = fluxObjects.find((o) => o.kind === "HelmRelease" && o.metadata.name === "kube-prometheus-stack");
    if (stack) {
      expect(stack.spec.values.alertmanager.enabled).toBe(config.kkp.alerting !== false);
      // Targets KubeOne binds to 127.0.0.1 are neither scraped nor alerted on: nothing fires forever on them.
      for (const component of ["kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"]) expect(stack.spec.values[component]).toEqual({ enabled: false });
      expect(stack.spec.values.defaultRules.rules).toEqual({ kubeControllerManager: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, etcd: false, kubeProxy: false });
      // With etcd backups, a stopped or never-run backup CronJob alerts, through a rule the chart renders after its CRDs.
      const backupRules = stack.spec.values.additionalPrometheusRulesMap?.["kkp-etcd-backups"]?.groups[0].rules ?? [];
      expect(backupRules.map((r: any) => r.alert)).toEqual(env.etcdBackupBucket ? ["KKPMasterEtcdBackupStale", "KKPMasterEtcdBackupNeverSucceeded"] : []);
      for (const rule of backupRules) expect(rule.expr).toContain('kube_cronjob_status_last_successful_time{namespace="kube-system",cronjob="etcd-s3-backup"}');
      // kubeadm's certificates warn 30 days ahead, read off the API server's client-certificate histogram.
      const certificateRules = stack.spec.values.additionalPrometheusRulesMap["kkp-control-plane-certificates"].groups[0].rules;
      expect(certificateRules.map((r: any) => r.alert)).toEqual(["KKPControlPlaneCertificatesExpiring"]);
      expect(certificateRules[0].expr).toContain('rate(apiserver_client_certificate_expiration_seconds_bucket{job="apiserver"}[5m]))) < 2592000');
      // Every rule is PromQL that Prometheus' own grammar parses without an error node.
      for (const group of Object.values<any>(stack.spec.values.additionalPrometheusRulesMap).flatMap((map) => map.groups)) {
        for (const rule of group.rules) expect({ alert: rule.alert, errors: promqlErrors(rule.expr) }).toEqual({ alert: rule.alert, errors: [] });
      }
      // Grafana through KKP's Gateway: an HTTPRoute for its host, from a namespace the Gateway admits; no Ingress.
      expect(stack.spec.values.grafana.ingress).toEqual({ enabled: false });
      expect(stack.spec.values.grafana.route.main).toEqual({ enabled: true, hostnames: [`grafana.${env.domain}`], parentRefs: [{ name: "kubermatic", namespace: "kubermatic" }] });
      const monitoring = fluxObjects.find((o) => o.kind === "Namespace" && o.metadata.name === "monitoring");
      expect(monitoring.metadata.labels).toEqual({ "kubermatic.io/gateway-access": "true" });
      expect(stack.spec.values.grafana["grafana.ini"]["auth.generic_oauth"].auth_url).toBe(`https://${env.domain}/dex/auth`);
      expect(stack.spec.values.grafana.additionalDataSources !== undefined).toBe(config.kkp.logging);
    }
    const alloy = fluxObjects.find((o) => o.kind === "HelmRelease" && o.metadata.name === "alloy");
    if (alloy) {
      // Alloy runs on every node, control plane included, so control-plane pods' logs reach Loki.
      expect(alloy.spec.values.controller).toEqual({
        type: "daemonset",
        tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
      });
    }
    for (const release of fluxObjects.filter((o) => o.kind === "HelmRelease")) {
      const source = fluxObjects.find((o) => o.kind === "HelmRepository" && o.metadata.name === release.spec.chart.spec.sourceRef.name);
      expect(source?.metadata.namespace).toBe(release.spec.chart.spec.sourceRef.namespace);
      expect(release.spec.chart.spec.version).toMatch(/^\d+\.\d+\.\d+$/);
      // Chart upgrades update the CRDs they ship.
      expect(release.spec.install.crds).toBe("CreateReplace");
      expect(release.spec.upgrade.crds).toBe("CreateReplace");
    }
  });

  test("the KubeOne manifest: current API, Kubernetes version from config, external cloud provider, containerd, the storage class addon", () => {
    const manifest = parse(files.get(REPOSITORY_PATHS.kubeoneManifest)!);
    expect(manifest).toMatchObject({
      apiVersion: "kubeone.k8c.io/v1beta2",
      kind: "KubeOneCluster",
      versions: { kubernetes: config.kubernetes.version },
      containerRuntime: { containerd: {} },
      addons: {
        enable: true,
        addons: [
          { name: "default-storage-class" },
          // etcd backups, on by default with OIDC credentials; the parameters are filled by kubeone-apply.
          // KubeOne reads `env:` parameters from kubeone apply's environment, and refuses to apply without them.
          { name: "backups-restic", params: { resticPassword: "env:KKP_ETCD_BACKUP_PASSWORD", s3Bucket: "env:KKP_ETCD_BACKUP_REPOSITORY", awsDefaultRegion: "env:KKP_ETCD_BACKUP_REGION" } },
        ],
      },
    });
    const provider = config.cloud.provider === "aws" ? "aws" : "gce";
    expect(manifest.cloudProvider).toMatchObject({ [provider]: {}, external: true });
    // The GCE cloud controller reads `multizone` (cloud-provider-gcp providers/gce/gce.go ConfigGlobal).
    if (provider === "gce") expect(manifest.cloudProvider.cloudConfig.split("\n")).toEqual(["[global]", "regional = true", "multizone = true", 'token-url = "nil"', ""]);
    // Name, endpoint and hosts come from the cluster stack's outputs (kubeone --tfjson), never from the manifest.
    for (const key of ["name", "apiEndpoint", "controlPlane", "dynamicWorkers"]) expect(manifest).not.toHaveProperty(key);
  });

  test("the KubermaticConfiguration and values agree on the domain, the Dex clients and the issuer secret", () => {
    const kkp = parse(files.get(REPOSITORY_PATHS.kkpConfiguration(env.name))!);
    const values = parse(files.get(REPOSITORY_PATHS.kkpValues(env.name))!);
    expect(kkp.metadata).toEqual({ name: "kubermatic", namespace: "kubermatic" });
    // KKP 2.31: no ingress class; the issuer also gives the operator's Gateway its HTTPS listener.
    expect(kkp.spec.ingress).toEqual({ domain: env.domain, certificateIssuer: { kind: "ClusterIssuer", name: "letsencrypt-prod" } });
    // Dex behind an HTTPRoute on that Gateway, for the same domain; no Ingress.
    expect(values.httpRoute).toEqual({ gatewayName: "kubermatic", gatewayNamespace: "kubermatic", domain: env.domain, timeout: "3600s" });
    expect(values.dex.ingress).toEqual({ enabled: false });
    expect(values.dex.config.issuer).toBe(kkp.spec.auth.tokenIssuer);
    // The code flow: the dashboard uses the confidential issuer client, whose redirects include the callback.
    const clients = values.dex.config.staticClients;
    expect(clients.map((c: any) => c.id)).toEqual(["kubermaticIssuer", ...(config.kkp.monitoring ? ["grafana"] : [])]);
    expect(kkp.spec.auth.clientID).toBe(kkp.spec.auth.issuerClientID);
    const issuerClient = clients.find((c: any) => c.id === kkp.spec.auth.issuerClientID);
    expect(issuerClient.secret).toBe(kkp.spec.auth.issuerClientSecret);
    expect(issuerClient.RedirectURIs).toContain(`https://${env.domain}/api/v2/auth/callback`);
    expect(kkp.spec.featureGates).toBeUndefined();
    expect(values.dex.config.staticPasswords[0].email).toBe(config.kkp.adminEmail);
    expect(values.telemetry.uuid).toBe("${KKP_TELEMETRY_UUID}");
    const issuer = fluxObjects.find((o) => o.kind === "ClusterIssuer");
    expect(issuer.metadata.name).toBe(kkp.spec.ingress.certificateIssuer.name);
    expect(issuer.spec.acme.email).toBe(config.kkp.adminEmail);
  });

  test("the Seed backs up every user cluster's etcd to the environment's bucket, with the key kkp-deploy writes", () => {
    const seed = fluxObjects.find((o) => o.kind === "Seed");
    // Field names as KKP 2.31 declares them (sdk/apis/kubermatic/v1/datacenter.go: EtcdBackupRestore, BackupDestination).
    const cloud = config.cloud as any;
    const endpoint = cloud.provider === "aws" ? `s3.${cloud.aws.region}.amazonaws.com` : "storage.googleapis.com";
    expect(seed.spec.etcdBackupRestore).toEqual({
      destinations: { [cloud.provider]: { endpoint, bucketName: env.userClusterBackupBucket, credentials: { name: "kkp-user-cluster-backups", namespace: "kube-system" } } },
      defaultDestination: cloud.provider,
    });
    const step = stepOf(jobOf(config, "kkp-deploy"), "Create the secrets KKP needs");
    expect(step.run).toContain("-n kube-system create secret generic kkp-user-cluster-backups --from-file=ACCESS_KEY_ID=\"$values/ACCESS_KEY_ID\" --from-file=SECRET_ACCESS_KEY=\"$values/SECRET_ACCESS_KEY\"");
  });

  test("the Seed is `kubermatic` and reads the kubeconfig Secret kkp-deploy writes; the Project is owned by the administrator", () => {
    const seed = fluxObjects.find((o) => o.kind === "Seed");
    expect(seed.metadata).toEqual({ name: "kubermatic", namespace: "kubermatic" });
    expect(seed.spec.kubeconfig).toMatchObject({ name: "kubeconfig-kubermatic", namespace: "kubermatic" });
    expect(stepOf(jobOf(config, "kkp-deploy"), "Create the secrets KKP needs").run).toContain("-n kubermatic create secret generic kubeconfig-kubermatic --from-file=kubeconfig=");
    const datacenter = Object.values(seed.spec.datacenters)[0] as any;
    expect(Object.keys(datacenter.spec)).toEqual([config.cloud.provider]);
    const project = fluxObjects.find((o) => o.kind === "Project");
    const binding = fluxObjects.find((o) => o.kind === "UserProjectBinding");
    expect(binding.spec).toEqual({ userEmail: config.kkp.adminEmail, projectID: project.metadata.name, group: `owners-${project.metadata.name}` });
  });

  test("placeholders: the installer files name only the secrets kkp-deploy fills, the Preset only those Flux substitutes", () => {
    const installerStep = stepOf(jobOf(config, "kkp-deploy"), "kubermatic-installer deploy");
    const installerNames = [REPOSITORY_PATHS.kkpConfiguration(env.name), REPOSITORY_PATHS.kkpValues(env.name)].flatMap((f) => placeholderNames(files.get(f)!));
    expect(new Set(installerNames)).toEqual(new Set((installerStep.secrets ?? []).map((s) => s.name)));
    expect(installerStep.run).toContain(`scripts/fill-secrets.ts ${REPOSITORY_PATHS.kkpValues(env.name)}`);

    const preset = fluxObjects.find((o) => o.kind === "Preset");
    const presetSecrets = PRESET_SECRETS[config.cloud.provider].map((s) => s.name);
    expect(placeholderNames(JSON.stringify(preset))).toEqual(presetSecrets);
    const substituting = fluxObjects.find((o) => o.apiVersion === "kustomize.toolkit.fluxcd.io/v1" && o.metadata.name === `kkp-${env.name}-platform`);
    const secretStep = stepOf(jobOf(config, "flux-bootstrap"), "Create the secrets Flux reads");
    expect(secretStep.run).toContain(`-n flux-system create secret generic ${substituting.spec.postBuild.substituteFrom[0].name}`);
    for (const name of presetSecrets) {
      // An unset CI secret stops the job instead of handing Flux an empty credential.
      expect(secretStep.run).toContain(`: "\${${name}:?is empty`);
      expect(secretStep.run).toContain(`"$${name}" > "$values/${name}"`);
    }
    expect((secretStep.secrets ?? []).map((s) => s.name)).toEqual([...presetSecrets, "FLUX_NOTIFY_TOKEN"]);

    // The backups addon's `env:` parameters name what kubeone-apply provides: the password, a CI secret of its
    // step, and the repository and region, set per environment on the job.
    const kubeoneApply = jobOf(config, "kubeone-apply");
    const kubeoneStep = stepOf(kubeoneApply, "kubeone apply");
    const addon = parse(files.get(REPOSITORY_PATHS.kubeoneManifest)!).addons.addons.find((a: any) => a.name === "backups-restic");
    const envNames = Object.values<string>(addon.params).map((value) => value.replace(/^env:/, ""));
    expect(envNames.sort()).toEqual([...(kubeoneStep.secrets ?? []).map((s) => s.name).filter((n) => n !== "KUBEONE_CREDENTIALS"), ...Object.keys(kubeoneApply.env ?? {})].sort());
    expect(Object.keys(kubeoneApply.env ?? {})).toEqual(["KKP_ETCD_BACKUP_REPOSITORY", "KKP_ETCD_BACKUP_REGION"]);
    // Right after the apply, the encryption key joins the backups, with the same repository, password and key.
    const steps = kubeoneApply.steps.map((s) => s.name);
    expect(steps[steps.indexOf("kubeone apply") + 1]).toBe("Keep the encryption key with the backups");
    const keyStep = stepOf(kubeoneApply, "Keep the encryption key with the backups");
    expect(keyStep.run).toContain('bash scripts/keep-encryption-key.sh tf.json "$credentials"');
    expect((keyStep.secrets ?? []).map((s) => s.name)).toEqual(["KUBEONE_CREDENTIALS", "KKP_ETCD_BACKUP_PASSWORD"]);
    expect(kubeoneApply.tools).toContain("restic");

    // Nothing else carries a placeholder Flux or the installer would have to fill.
    const others = yamlFiles(files).filter(([file]) => file !== WORKFLOW_PATH && !file.startsWith("kubermatic/") && !file.endsWith("/preset.yaml"));
    for (const [file, content] of others) expect({ file, placeholders: placeholderNames(content) }).toEqual({ file, placeholders: [] });
  });

  test("secret canary: secret values in the environment never reach a generated file", () => {
    const MARKER = "CANARY-2b9e-never-in-files";
    const names = [...Object.values(KKP_SECRETS), GRAFANA_CLIENT_SECRET, ...Object.values(PRESET_SECRETS).flat()].map((s) => s.name);
    const saved = { ...process.env };
    try {
      for (const name of names) process.env[name] = MARKER;
      for (const [file, content] of repositoryFiles(installationOf({ config, configFile }))) expect({ file, leaks: content.includes(MARKER) }).toEqual({ file, leaks: false });
    } finally {
      process.env = saved;
    }
  });

  test("matches the reviewed snapshot, file by file", () => {
    for (const [file, content] of files) if (file !== WORKFLOW_PATH) expect(content).toMatchSnapshot(file);
  });
});

describe("the encryption key beside the etcd backups", () => {
  test("without etcd backups kubeone-apply keeps no encryption key and installs no restic", () => {
    const job = jobOf(configFrom((c) => (c.etcdBackups = { enabled: false })), "kubeone-apply");
    expect(job.steps.map((s) => s.name)).not.toContain("Keep the encryption key with the backups");
    expect(job.tools).not.toContain("restic");
  });
});

describe("Alertmanager's receivers", () => {
  const gcp = configFrom(undefined, gcpExampleText);
  const alertmanager = (config: KkpConfig) =>
    yamlFiles(repositoryFiles(installationOf({ config, configFile: "kkp.yaml" })))
      .filter(([file]) => file.startsWith("flux/"))
      .flatMap(([, content]) => objectsOf(content))
      .find((o) => o.kind === "HelmRelease" && o.metadata.name === "kube-prometheus-stack").spec.values.alertmanager;

  test("route every alert to the configured receivers, and the Watchdog to the dead-man's switch, naming only secret files", () => {
    const values = alertmanager(gcp);
    expect(values.alertmanagerSpec.secrets).toEqual(["alertmanager-receivers"]);
    expect(values.config.route).toMatchObject({ receiver: "kkp", routes: [{ receiver: "heartbeat", matchers: ['alertname = "Watchdog"'], group_interval: "1m", repeat_interval: "50s" }, { receiver: "null" }] });
    const receivers = Object.fromEntries(values.config.receivers.map((r: any) => [r.name, r]));
    expect(receivers.kkp.slack_configs).toEqual([{ channel: "#kkp-alerts", api_url_file: "/etc/alertmanager/secrets/alertmanager-receivers/slack-url", send_resolved: true }]);
    expect(receivers.heartbeat.webhook_configs).toEqual([{ url_file: "/etc/alertmanager/secrets/alertmanager-receivers/heartbeat-url", send_resolved: false }]);
    // The chart's null receiver stays defined for the routes that mute.
    expect(receivers.null).toEqual({ name: "null" });
  });

  test("e-mail with a login reads its password from the mounted Secret; without a heartbeat the Watchdog goes nowhere", () => {
    const config = configFrom((c) => {
      c.kkp.alerting = { email: { to: "ops@example.com", from: "alertmanager@example.com", smarthost: "smtp.example.com:587", username: "alertmanager" }, webhook: true };
    }, gcpExampleText);
    const values = alertmanager(config);
    const kkp = values.config.receivers.find((r: any) => r.name === "kkp");
    expect(kkp.email_configs).toEqual([
      { to: "ops@example.com", from: "alertmanager@example.com", smarthost: "smtp.example.com:587", require_tls: true, send_resolved: true, auth_username: "alertmanager", auth_password_file: "/etc/alertmanager/secrets/alertmanager-receivers/smtp-password" },
    ]);
    expect(kkp.webhook_configs).toEqual([{ url_file: "/etc/alertmanager/secrets/alertmanager-receivers/webhook-url", send_resolved: true }]);
    expect(values.config.route.routes[0]).toEqual({ receiver: "null", matchers: ['alertname = "Watchdog"'] });
    // kkp-deploy writes exactly the credentials the receivers use, from CI secrets, into the Secret Alertmanager mounts.
    const step = stepOf(jobOf(config, "kkp-deploy"), "Create the secrets KKP needs");
    expect(step.run).toContain("-n monitoring create secret generic alertmanager-receivers --from-file=smtp-password=\"$values/smtp-password\" --from-file=webhook-url=\"$values/webhook-url\"");
    expect(step.secrets!.map((s) => s.name)).toEqual([
      "KKP_USER_CLUSTER_BACKUP_ACCESS_KEY_ID",
      "KKP_USER_CLUSTER_BACKUP_SECRET_ACCESS_KEY",
      "KKP_ALERTMANAGER_SMTP_PASSWORD",
      "KKP_ALERTMANAGER_WEBHOOK_URL",
      "KKP_GRAFANA_CLIENT_SECRET",
    ]);
  });

  test("alerting without a receiver, or the old alerting: true, is refused with the fix", () => {
    expect(configErrorFor((c) => (c.kkp.alerting = { heartbeat: true }), gcpExampleText)).toContain("kkp.alerting: names no receiver: add email, slack or webhook: true");
    expect(configErrorFor((c) => (c.kkp.alerting = true), gcpExampleText)).toContain("kkp.alerting: is true, but Alertmanager needs somewhere to send alerts: name the receivers instead");
    expect(configErrorFor((c) => (c.kkp.alerting = { email: { to: "ops@example.com", from: "a@example.com", smarthost: "smtp.example.com" } }), gcpExampleText)).toContain(
      "kkp.alerting.email.smarthost: must be host:port of an SMTP server",
    );
  });
});

describe("filling placeholders (scripts/fill-secrets.ts)", () => {
  const config = configFrom();
  const values = repositoryFiles(installationOf({ config, configFile: "kkp.yaml" })).get(REPOSITORY_PATHS.kkpValues("prod"))!;
  const secretEnv = Object.fromEntries(placeholderNames(values).map((name, i) => [name, `value${i}Xyz`]));

  test("replaces every placeholder and leaves valid YAML", () => {
    const filled = fillPlaceholders(values, secretEnv, "values.yaml");
    expect(placeholderNames(filled)).toEqual([]);
    expect(parse(filled).telemetry.uuid).toBe(secretEnv.KKP_TELEMETRY_UUID);
  });

  test("refuses to fill when a secret is unset or empty, naming it and how to provide it", () => {
    const incomplete: Record<string, string> = { ...secretEnv, KKP_ISSUER_CLIENT_SECRET: "" };
    delete incomplete.KKP_TELEMETRY_UUID;
    expect(() => fillPlaceholders(values, incomplete, "values.yaml")).toThrow(MissingSecretError);
    expect(() => fillPlaceholders(values, incomplete, "values.yaml")).toThrow(
      /^values\.yaml needs KKP_ISSUER_CLIENT_SECRET, KKP_TELEMETRY_UUID, which are not set\. .*apply it/,
    );
  });

  const run = (env: Record<string, string>, input: string, output: string) =>
    spawnSync(process.execPath, ["--import", "tsx", "scripts/fill-secrets.ts", input, output], { cwd: PROJECT_ROOT, encoding: "utf8", env: { PATH: process.env.PATH!, ...env } });

  test("as a command: writes the filled file for its owner only, or exits 1 with the message and writes nothing", () => {
    const dir = testDir("kkp-fill-");
    const input = path.join(dir, "values.yaml");
    writeFileSync(input, values);
    const ok = run(secretEnv, input, path.join(dir, "filled.yaml"));
    expect([ok.status, ok.stderr]).toEqual([0, ""]);
    expect(statSync(path.join(dir, "filled.yaml")).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, "filled.yaml"), "utf8")).toContain(secretEnv.KKP_ADMIN_PASSWORD_HASH);

    const missing = run({}, input, path.join(dir, "never.yaml"));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`^${input.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} needs KKP_`));
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, "never.yaml"))).toBe(false);
  });
});

describe("npm run render -- --out <dir> on the GCP example", () => {
  test("writes the KubeOne, KKP and Flux files, exactly as the CI stack commits them", () => {
    const out = testDir("kkp-render-gcp-");
    const render = spawnSync(process.execPath, ["--import", "tsx", "scripts/render.ts", "--out", out], {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
      env: { ...process.env, KKP_CONFIG: "examples/gcp-github.yaml" },
    });
    expect([render.status, render.stderr]).toEqual([0, ""]);
    const expected = repositoryFiles(installationOf({ config: configFrom(undefined, gcpExampleText), configFile: "examples/gcp-github.yaml" }));
    for (const [file, content] of expected) expect({ file, same: readFileSync(path.join(out, file), "utf8") === content }).toEqual({ file, same: true });
    expect([...expected.keys()]).toEqual(expect.arrayContaining(["kubeone/kubeone.yaml", "kubermatic/prod/values.yaml", "flux/clusters/prod/kkp/parts/logging/loki.yaml"]));
  });
});
