import { createHash } from "node:crypto";
import { GITHUB } from "../git-host";
import type { StageTenant } from "../resolve";
import type { ClusterContext, ResolvedValues } from "./context";
import { API, names, tenantMeta, type K8sObject } from "./meta";
import { sealedSecret } from "./sealed-secret";

/** Which event sources an Alert watches: everything Flux runs in the tenant's namespace. */
const TENANT_EVENT_KINDS = ["GitRepository", "Kustomization", "HelmRelease", "HelmRepository", "ImageRepository", "ImagePolicy", "ImageUpdateAutomation"];

/** Slack alerts and GitHub commit statuses; their credentials travel only as SealedSecrets. */
export function notificationObjects(t: StageTenant, ctx: ClusterContext, values: ResolvedValues): K8sObject[] {
  const n = t.notifications;
  if (!n) return [];
  const out: K8sObject[] = [];
  if (n.slack) {
    const provider = `${t.name}-slack`;
    out.push(
      sealedSecret(t, names.slackSecret(t.name), values.sealed),
      {
        apiVersion: API.notification,
        kind: "Provider",
        metadata: tenantMeta(t, provider),
        spec: { type: "slack", channel: n.slack.channel, secretRef: { name: names.slackSecret(t.name) } },
      },
      {
        apiVersion: API.notification,
        kind: "Alert",
        metadata: tenantMeta(t, provider),
        spec: {
          providerRef: { name: provider },
          eventSeverity: n.severity,
          eventSources: TENANT_EVENT_KINDS.map((kind) => ({ kind, name: "*" })),
        },
      },
    );
  }
  if (n.githubCommitStatus) {
    const provider = `${t.name}-commit-status`;
    out.push(
      sealedSecret(t, names.githubStatusSecret(t.name), values.sealed),
      {
        apiVersion: API.notification,
        kind: "Provider",
        metadata: tenantMeta(t, provider),
        spec: { type: "github", address: `${(ctx.git ?? GITHUB).webUrl}/${t.source.repository}`, secretRef: { name: names.githubStatusSecret(t.name) } },
      },
      {
        apiVersion: API.notification,
        kind: "Alert",
        metadata: tenantMeta(t, provider),
        // GitHub statuses are attached to the commit a Kustomization applied, so only its events fit.
        spec: { providerRef: { name: provider }, eventSeverity: "info", eventSources: [{ kind: "Kustomization", name: t.name }] },
      },
    );
  }
  return out;
}

/** Push-based reconciliation needs both the tenant's consent and a receiver GitHub can reach over https. */
export function usesWebhook(t: StageTenant, ctx: ClusterContext): boolean {
  return t.source.webhook && ctx.receiver !== undefined;
}

/** Flux serves a Receiver at `/hook/<sha256(token + name + namespace)>`. */
export function receiverPath(token: string, name: string, namespace: string): string {
  return `/hook/${createHash("sha256").update(token + name + namespace).digest("hex")}`;
}

export function receiverObjects(t: StageTenant, ctx: ClusterContext, values: ResolvedValues): K8sObject[] {
  if (!usesWebhook(t, ctx)) return [];
  return [
    sealedSecret(t, names.webhookSecret(t.name), values.sealed),
    {
      apiVersion: API.receiver,
      kind: "Receiver",
      metadata: tenantMeta(t, t.name),
      spec: {
        type: "github",
        events: ["ping", "push"],
        secretRef: { name: names.webhookSecret(t.name) },
        resources: [{ kind: "GitRepository", name: t.name }],
      },
    },
  ];
}
