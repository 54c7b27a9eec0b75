/**
 * Alertmanager's routing, from `kkp.alerting`: every alert to the configured receivers (e-mail, Slack, a webhook),
 * and the Watchdog alert, which always fires, to an external dead-man's switch when `heartbeat` is on, so that a
 * silent Alertmanager is noticed. The receivers' credentials are CI secrets: `kkp-deploy` writes them into Secret
 * `monitoring/alertmanager-receivers`, mounted into Alertmanager, and the configuration in git names only their
 * files (Alertmanager's `*_file` settings), never a value.
 */
import type { KkpConfig } from "../../config/settings/resolve";
import type { Secret } from "../core/pipeline-model";

/** The Secret Alertmanager mounts at /etc/alertmanager/secrets/<name>/ (alertmanagerSpec.secrets). */
export const ALERT_RECEIVERS_SECRET = "alertmanager-receivers";
const SECRET_DIR = `/etc/alertmanager/secrets/${ALERT_RECEIVERS_SECRET}`;

// No `format: "token"`: GitLab masks only values of a limited alphabet, which URLs with queries and passwords break.
const secret = (name: string, description: string): Secret => ({ name, description, scope: "environment" });

/** Each receiver's credential: the CI secret, and its key (file name) in the mounted Secret. */
export const ALERTING_SECRETS = {
  smtpPassword: { key: "smtp-password", secret: secret("KKP_ALERTMANAGER_SMTP_PASSWORD", "password of kkp.alerting.email.username at the SMTP smarthost") },
  slackUrl: { key: "slack-url", secret: secret("KKP_ALERTMANAGER_SLACK_URL", "Slack incoming-webhook URL Alertmanager posts to (kkp.alerting.slack)") },
  webhookUrl: { key: "webhook-url", secret: secret("KKP_ALERTMANAGER_WEBHOOK_URL", "URL Alertmanager posts alerts to (kkp.alerting.webhook), e.g. an incident tool's integration endpoint") },
  heartbeatUrl: {
    key: "heartbeat-url",
    secret: secret("KKP_ALERTMANAGER_HEARTBEAT_URL", "dead-man's-switch URL the always-firing Watchdog alert is posted to every minute (kkp.alerting.heartbeat)"),
  },
} as const;

type Alerting = Exclude<KkpConfig["kkp"]["alerting"], false>;

/** The credentials the configured receivers need, as [key in the Secret, CI secret]. */
export function alertingSecrets(alerting: Alerting): Array<readonly [string, Secret]> {
  const used = [
    ...(alerting.email?.username ? [ALERTING_SECRETS.smtpPassword] : []),
    ...(alerting.slack ? [ALERTING_SECRETS.slackUrl] : []),
    ...(alerting.webhook ? [ALERTING_SECRETS.webhookUrl] : []),
    ...(alerting.heartbeat ? [ALERTING_SECRETS.heartbeatUrl] : []),
  ];
  return used.map(({ key, secret }) => [key, secret] as const);
}

const file = (entry: { key: string }) => `${SECRET_DIR}/${entry.key}`;

/**
 * kube-prometheus-stack's `alertmanager.config`, merged over the chart's default (whose inhibit rules and templates
 * stay): the route and the receivers. Grouped by alert and namespace; resolved alerts are sent too.
 */
export function alertmanagerConfig(alerting: Alerting): Record<string, unknown> {
  const { email, slack, webhook, heartbeat } = alerting;
  const receiver = {
    name: "kkp",
    ...(email
      ? {
          email_configs: [
            {
              to: email.to,
              from: email.from,
              smarthost: email.smarthost,
              require_tls: true,
              send_resolved: true,
              ...(email.username ? { auth_username: email.username, auth_password_file: file(ALERTING_SECRETS.smtpPassword) } : {}),
            },
          ],
        }
      : {}),
    ...(slack ? { slack_configs: [{ channel: slack.channel, api_url_file: file(ALERTING_SECRETS.slackUrl), send_resolved: true }] } : {}),
    ...(webhook ? { webhook_configs: [{ url_file: file(ALERTING_SECRETS.webhookUrl), send_resolved: true }] } : {}),
  };
  return {
    route: {
      group_by: ["namespace", "alertname"],
      receiver: "kkp",
      routes: [
        // Watchdog fires as long as the alerting pipeline works: to the dead-man's switch every minute, or nowhere.
        heartbeat
          ? // Below group_interval: Alertmanager resends at a flush only once repeat_interval has passed, so equal ones would
            // send every other minute.
            { receiver: "heartbeat", matchers: ['alertname = "Watchdog"'], group_wait: "0s", group_interval: "1m", repeat_interval: "50s" }
          : { receiver: "null", matchers: ['alertname = "Watchdog"'] },
        // InfoInhibitor only mutes info-level alerts; it is no news to anyone.
        { receiver: "null", matchers: ['alertname = "InfoInhibitor"'] },
      ],
    },
    receivers: [
      { name: "null" },
      receiver,
      ...(heartbeat ? [{ name: "heartbeat", webhook_configs: [{ url_file: file(ALERTING_SECRETS.heartbeatUrl), send_resolved: false }] }] : []),
    ],
  };
}
