import type { ClusterContext } from "../../lib/objects/context";
import { FLUX_NAMESPACE, names, type K8sObject } from "../../lib/objects/meta";
import { platformObjects } from "../../lib/objects/platform";
import type { TenantFileInput } from "../../lib/tenant-schema";
import { build, minimalTenant, tenantFrom } from "../helpers/fixtures";
import { admitted, apply, eventually, getObject, serviceAccount } from "./kube";

export const CONTEXT: ClusterContext = {
  cluster: "local",
  stage: "dev",
  ingressNamespace: "ingress-nginx",
  receiver: { host: "flux-webhook.local.example", ingressClassName: "nginx", tls: { secretName: "flux-webhook-tls" } },
  imageAutomation: true,
};

export interface LiveTenant {
  name: string;
  namespace: string;
  /** The user name the tenant's reconciler acts as. */
  reconciler: string;
  objects: K8sObject[];
}

/** The platform-wide objects (the admission policy) and the namespaces Flux and the ingress live in. */
export function installPlatform(): void {
  const namespaces = [FLUX_NAMESPACE, CONTEXT.ingressNamespace].map((name): K8sObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));
  admitted(apply([...namespaces, ...platformObjects(CONTEXT)], { manager: "platform-tests" }), "the platform objects");
}

/**
 * A tenant of its own for one test: its objects built by the program's builders and applied as
 * the platform admin, once the controller manager has given the namespace its `default` service
 * account and computed the quota's usage (pods need both).
 */
export async function liveTenant(name: string, changes: Partial<TenantFileInput> = {}): Promise<LiveTenant> {
  installPlatform();
  const t = tenantFrom({ ...minimalTenant(name), ...changes });
  const { objects, tenant } = build(t, CONTEXT);
  const [namespaces, rest] = [objects.filter((o) => o.kind === "Namespace"), objects.filter((o) => o.kind !== "Namespace")];
  admitted(apply(namespaces), `namespace of ${name}`);
  admitted(apply(rest), `objects of ${name}`);
  await eventually(`the default service account in ${tenant.namespace}`, () => getObject("serviceaccount", "default", tenant.namespace));
  await eventually(`usage of ${name}'s quota`, () => {
    const q = getObject<{ status?: { hard?: object; used?: object } }>("resourcequota", `${name}-quota`, tenant.namespace);
    return q?.status?.hard && q.status.used ? q : undefined;
  });
  return { name, namespace: tenant.namespace, reconciler: serviceAccount(tenant.namespace, names.reconciler(name)), objects };
}
