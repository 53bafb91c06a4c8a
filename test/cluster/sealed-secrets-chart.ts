import * as path from "node:path";
import { BIN_DIR } from "../../engines/build";
import { freePort, startInCluster, stopProcess } from "../../engines/cluster";
import type { K8sObject } from "../../lib/objects/meta";
import { stackDefaults } from "../../lib/stack-schema";
import { live } from "./setup";

/**
 * The Sealed Secrets controller as the program's Helm release runs it (chart values in
 * components/sealed-secrets-controller.ts: fullnameOverride `sealed-secrets-controller`,
 * `keyrenewperiod: "0"`), as a local process. There is no Helm here, so the service account and
 * the RBAC the chart's templates grant it (cluster-role.yaml, role.yaml `-key-admin`) are declared
 * below; the controller itself is the real one, built from the release the stacks pin.
 */
export const SEALED_SECRETS_NAMESPACE = stackDefaults.sealedSecretsNamespace;
export const SEALED_SECRETS_SA = "sealed-secrets-controller";

export function sealedSecretsRbac(): K8sObject[] {
  const ns = SEALED_SECRETS_NAMESPACE;
  const sa = SEALED_SECRETS_SA;
  const subjects = [{ kind: "ServiceAccount", name: sa, namespace: ns }];
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: ns } },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "secrets-unsealer" },
      rules: [
        { apiGroups: ["bitnami.com"], resources: ["sealedsecrets"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["bitnami.com"], resources: ["sealedsecrets/status"], verbs: ["update"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "create", "update", "delete", "watch"] },
        { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
      ],
    },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: sa }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "secrets-unsealer" }, subjects },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: `${sa}-key-admin`, namespace: ns },
      rules: [
        { apiGroups: [""], resources: ["secrets"], resourceNames: ["sealed-secrets-key"], verbs: ["get"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["create", "list"] },
      ],
    },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: `${sa}-key-admin`, namespace: ns }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: `${sa}-key-admin` }, subjects },
  ];
}

const CONTROLLER = "sealed-secrets-controller";

/** (Re)starts the controller; it reads its sealing keys when it starts. */
export async function startSealedSecretsController(): Promise<void> {
  const state = live();
  if (state.pids[CONTROLLER]) await stopProcess(state, CONTROLLER);
  const args = ["--update-status", "--key-renew-period=0", `--listen-addr=127.0.0.1:${await freePort()}`, `--listen-metrics-addr=127.0.0.1:${await freePort()}`];
  startInCluster(state, CONTROLLER, { namespace: SEALED_SECRETS_NAMESPACE, serviceAccount: SEALED_SECRETS_SA }, path.join(BIN_DIR, CONTROLLER), args);
}
