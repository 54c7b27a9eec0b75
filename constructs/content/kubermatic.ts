/**
 * The KKP installer's input (`kubermatic/<env>/kubermatic.yaml` and `values.yaml`) for KKP CE: from 2.31 on through
 * Gateway API (the operator's Gateway `kubermatic/kubermatic`, Dex behind an HTTPRoute, the dashboard on the OAuth code
 * flow with the issuer client), before 2.31 through nginx-ingress, so an installation can step through 2.29 and 2.30.
 * Every secret is a `${NAME}` placeholder for a CI secret the CI stack generates; kkp-deploy fills them in a
 * private temp directory right before `kubermatic-installer deploy`, so no committed file holds one.
 */
import { createHash } from "node:crypto";
import type { Secret } from "../core/pipeline-model";
import { GRAFANA_CLIENT_SECRET, KKP_SECRETS, placeholder } from "../core/secrets";
import { usesGatewayApi } from "../../config/settings/compatibility";
import type { EnvironmentConfig, KkpConfig } from "../../config/settings/resolve";
import type { Manifest } from "./yaml";

/** The cert-manager ClusterIssuer the Flux tree creates and every KKP ingress uses. */
export const CLUSTER_ISSUER = "letsencrypt-prod";
/** The Dex client IDs KKP's API and dashboard expect; from 2.31 the dashboard logs in with the issuer client. */
export const DEX_CLIENTS = { dashboard: "kubermatic", issuer: "kubermaticIssuer", grafana: "grafana" } as const;

/**
 * The Gateway the KKP 2.31 operator creates (pkg/defaulting/configuration.go DefaultGatewayName, in the KKP
 * namespace): its listeners admit routes only from namespaces carrying the access label.
 */
export const KKP_GATEWAY = { name: "kubermatic", namespace: "kubermatic" } as const;
export const GATEWAY_ACCESS_LABEL = { "kubermatic.io/gateway-access": "true" } as const;
/** Where the Gateway publishes its LoadBalancer's address (Envoy Gateway fills it in), as the installer reads it. */
export const GATEWAY_ADDRESS_JSONPATH = "{.status.addresses[0].value}";
/** The nginx-ingress release of KKP before 2.31: its namespace and its LoadBalancer service share this name. */
export const LEGACY_NGINX = "nginx-ingress-controller";

/** Whether this installation's KKP release is served through Gateway API (2.31 on) rather than nginx-ingress. */
export function gatewayApi(config: KkpConfig): boolean {
  return usesGatewayApi(config.pipeline.tools.kubermatic);
}

/** Every CI secret the installer's input refers to: the step that fills the placeholders receives exactly these. */
export function installerSecrets(config: KkpConfig): Secret[] {
  const kkp = Object.values(KKP_SECRETS).filter((secret) => !gatewayApi(config) || secret !== KKP_SECRETS.dashboardClientSecret);
  return [...kkp, ...(config.kkp.monitoring ? [GRAFANA_CLIENT_SECRET] : [])];
}

/** Grafana's address when monitoring is on; covered by the `*.<domain>` record. */
export function grafanaHost(env: EnvironmentConfig): string {
  return `grafana.${env.domain}`;
}

export function kubermaticConfiguration(config: KkpConfig, env: EnvironmentConfig): Manifest {
  const url = `https://${env.domain}`;
  const gateway = gatewayApi(config);
  // A TypedLocalObjectReference; apiGroup is left out (the CRD types it as a string, so null would not validate).
  const certificateIssuer = { kind: "ClusterIssuer", name: CLUSTER_ISSUER };
  return {
    apiVersion: "kubermatic.k8c.io/v1",
    kind: "KubermaticConfiguration",
    // The installer accepts no other name or namespace.
    metadata: { name: "kubermatic", namespace: "kubermatic" },
    spec: {
      // With 2.31 the issuer also makes the operator's Gateway listen on HTTPS for the domain (secret kubermatic-tls).
      ingress: gateway ? { domain: env.domain, certificateIssuer } : { domain: env.domain, className: "nginx", certificateIssuer },
      auth: {
        // 2.31's code flow: the dashboard logs in with the confidential issuer client, so both IDs are the same.
        clientID: gateway ? DEX_CLIENTS.issuer : DEX_CLIENTS.dashboard,
        issuerClientID: DEX_CLIENTS.issuer,
        tokenIssuer: `${url}/dex`,
        issuerRedirectURL: `${url}/api/v1/kubeconfig`,
        // Let's Encrypt certificates are trusted: verify the issuer.
        skipTokenIssuerTLSVerify: false,
        issuerClientSecret: placeholder(KKP_SECRETS.issuerClientSecret),
        issuerCookieKey: placeholder(KKP_SECRETS.issuerCookieKey),
        serviceAccountKey: placeholder(KKP_SECRETS.serviceAccountKey),
      },
      // Before 2.31, users download kubeconfigs that log in through Dex only with this gate; 2.31 always offers them.
      ...(gateway ? {} : { featureGates: { OIDCKubeCfgEndpoint: true } }),
    },
  };
}

/** A stable Dex user ID for the administrator, derived from the e-mail (not a secret: Dex shows it in tokens). */
function adminUserId(email: string): string {
  const hex = createHash("sha256").update(`kkp-gitops/admin/${email}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function kubermaticValues(config: KkpConfig, env: EnvironmentConfig): Manifest {
  const url = `https://${env.domain}`;
  const gateway = gatewayApi(config);
  const issuerRedirects = [`${url}/api/v1/kubeconfig`, `${url}/api/v2/kubeconfig/secret`, `${url}/api/v2/dashboard/login`];
  const clients = [
    // 2.31 retired the dashboard's public client: the dashboard uses the issuer client's code flow.
    ...(gateway ? [] : [{ id: DEX_CLIENTS.dashboard, name: "Kubermatic", secret: placeholder(KKP_SECRETS.dashboardClientSecret), RedirectURIs: [url, `${url}/projects`] }]),
    {
      id: DEX_CLIENTS.issuer,
      name: "Kubermatic OIDC Issuer",
      // Must equal spec.auth.issuerClientSecret: both are the same CI secret.
      secret: placeholder(KKP_SECRETS.issuerClientSecret),
      RedirectURIs: gateway ? [...issuerRedirects, `${url}/api/v2/auth/callback`] : issuerRedirects,
    },
    ...(config.kkp.monitoring
      ? [{ id: DEX_CLIENTS.grafana, name: "Grafana", secret: placeholder(GRAFANA_CLIENT_SECRET), RedirectURIs: [`https://${grafanaHost(env)}/login/generic_oauth`] }]
      : []),
  ];
  const nginxIngress = {
    enabled: true,
    className: "nginx",
    annotations: {
      "cert-manager.io/cluster-issuer": CLUSTER_ISSUER,
      "nginx.ingress.kubernetes.io/proxy-buffer-size": "128k",
    },
    hosts: [{ host: env.domain, paths: [{ path: "/dex", pathType: "ImplementationSpecific" }] }],
    tls: [{ secretName: "dex-tls", hosts: [env.domain] }],
  };
  return {
    // 2.31: the Dex chart's HTTPRoute on the operator's Gateway; nothing defaults its domain.
    ...(gateway ? { httpRoute: { gatewayName: KKP_GATEWAY.name, gatewayNamespace: KKP_GATEWAY.namespace, domain: env.domain, timeout: "3600s" } } : {}),
    dex: {
      ingress: gateway ? { enabled: false } : nginxIngress,
      config: {
        issuer: `${url}/dex`,
        oauth2: { skipApprovalScreen: true, responseTypes: ["code", "token", "id_token"] },
        storage: { type: "kubernetes", config: { inCluster: true } },
        enablePasswordDB: true,
        // The first administrator; its password is generated by the CI stack (output kkp_admin_password_<env>).
        staticPasswords: [
          { email: config.kkp.adminEmail, hash: placeholder(KKP_SECRETS.adminPasswordHash), username: "admin", userID: adminUserId(config.kkp.adminEmail) },
        ],
        staticClients: clients,
      },
    },
    telemetry: { uuid: placeholder(KKP_SECRETS.telemetryUuid) },
  };
}
