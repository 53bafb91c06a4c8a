import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { stringify } from "yaml";
import { BIN_DIR, buildEngines, CLUSTER_DIR, engineVersion, EngineError } from "./build";
import { officialCrds } from "./crds";
import { makePki, type Pki } from "./pki";

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver with client-certificate
 * authentication, RBAC, service-account token signing and the admission plugins EKS enables, and
 * kube-controller-manager for what admission relies on (quota usage, the `default` service
 * account, namespace deletion). No kubelet: pods are admitted and stored, never run.
 */

/**
 * The admission plugins EKS documents as enabled on its API servers (platform versions of
 * Kubernetes 1.30 and later); those about nodes and storage have nothing to act on here.
 */
export const ADMISSION_PLUGINS = [
  "NamespaceLifecycle", "LimitRanger", "ServiceAccount", "DefaultStorageClass", "ResourceQuota",
  "DefaultTolerationSeconds", "NodeRestriction", "MutatingAdmissionWebhook", "ValidatingAdmissionWebhook",
  "Priority", "StorageObjectInUseProtection", "PersistentVolumeClaimResize", "ExtendedResourceToleration",
  "CertificateApproval", "CertificateSigning", "CertificateSubjectRestriction", "DefaultIngressClass",
  "RuntimeClass", "PodSecurity", "ValidatingAdmissionPolicy", "TaintNodesByCondition",
];

export interface ClusterState {
  dir: string;
  server: string;
  kubeconfig: string;
  pids: Record<string, number>;
  pki: Pki;
}

const STATE = "state.json";
const bin = (name: string) => path.join(BIN_DIR, name);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a process in its own process group, output to `<dir>/logs/<name>.log`; it outlives this one. */
export function startProcess(dir: string, name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
  const out = fs.openSync(path.join(dir, "logs", `${name}.log`), "a");
  const child = spawn(cmd, args, { detached: true, stdio: ["ignore", out, out], env });
  fs.closeSync(out);
  child.unref();
  if (!child.pid) throw new EngineError(`${name} could not start (${cmd})`);
  return child.pid;
}

/** Whether a process is still running. */
export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The last lines of an engine's log, for failure messages. */
export function logTail(dir: string, name: string, lines = 30): string {
  const file = path.join(dir, "logs", `${name}.log`);
  if (!fs.existsSync(file)) return `(no ${name} log)`;
  return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

function get(url: string, pki: Pki): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca: fs.readFileSync(pki.ca), cert: fs.readFileSync(pki.admin.cert), key: fs.readFileSync(pki.admin.key), timeout: 2000 }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (e) => resolve({ status: 0, body: e.message }));
    req.on("timeout", () => req.destroy(new Error("timeout")));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, seconds: number, pid: number, dir: string, log: string): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (!alive(pid)) throw new EngineError(`${what}: the process exited; its log ends:\n${logTail(dir, log)}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new EngineError(`${what}: not ready after ${seconds}s; its log ends:\n${logTail(dir, log)}`);
}

/** A kubeconfig for the local cluster; `credentials` is the user entry (client certificate or token). */
export function kubeconfigYaml(state: Pick<ClusterState, "server" | "pki">, user: string, credentials: Record<string, string>): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "local", cluster: { server: state.server, "certificate-authority-data": fs.readFileSync(state.pki.ca).toString("base64") } }],
    users: [{ name: user, user: credentials }],
    contexts: [{ name: "local", context: { cluster: "local", user } }],
    "current-context": "local",
  });
}

const clientCertificate = (pair: { cert: string; key: string }) => ({
  "client-certificate-data": fs.readFileSync(pair.cert).toString("base64"),
  "client-key-data": fs.readFileSync(pair.key).toString("base64"),
});

/** Runs the built kubectl against a cluster; throws with its output when it fails. */
export function kubectl(state: Pick<ClusterState, "kubeconfig">, args: string[], input?: string): string {
  const r = spawnSync(bin("kubectl"), ["--kubeconfig", state.kubeconfig, ...args], { input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error || r.status !== 0) throw new EngineError(`kubectl ${args.join(" ")} failed: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

export interface StartOptions {
  /** Run directory (data, logs, certificates, kubeconfig). */
  dir: string;
  /** Where to write the admin kubeconfig. @default `<dir>/kubeconfig` */
  kubeconfigPath?: string;
  log?: (line: string) => void;
}

/** Builds what is missing, then starts etcd, the API server and the controller manager, and installs the official CRDs. */
export async function startCluster(o: StartOptions): Promise<ClusterState> {
  const log = o.log ?? console.log;
  await buildEngines(log);
  const dir = path.resolve(o.dir);
  if (fs.existsSync(path.join(dir, STATE))) await stopCluster(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const pki = makePki(path.join(dir, "pki"));
  const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const state: ClusterState = { dir, server: `https://127.0.0.1:${apiPort}`, kubeconfig: o.kubeconfigPath ?? path.join(dir, "kubeconfig"), pids: {}, pki };
  try {
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    state.pids.etcd = startProcess(dir, "etcd", bin("etcd"), [
      "--name=local", `--data-dir=${path.join(dir, "etcd")}`, `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${peerPort}`, `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
      `--initial-cluster=local=http://127.0.0.1:${peerPort}`, "--unsafe-no-fsync", "--log-level=warn",
    ]);
    saveState(state);
    await waitFor("etcd", async () => (await fetch(`${etcdUrl}/health`).then((r) => r.ok).catch(() => false)), 30, state.pids.etcd, dir, "etcd");
    log(`cluster: etcd ${engineVersion("etcd")} on ${etcdUrl}`);
    state.pids["kube-apiserver"] = startProcess(dir, "kube-apiserver", bin("kube-apiserver"), [
      `--etcd-servers=${etcdUrl}`, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki.serving.cert}`, `--tls-private-key-file=${pki.serving.key}`, `--client-ca-file=${pki.ca}`,
      "--anonymous-auth=false", "--authorization-mode=Node,RBAC", `--enable-admission-plugins=${ADMISSION_PLUGINS.join(",")}`,
      "--service-account-issuer=https://kubernetes.default.svc", `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`, "--service-cluster-ip-range=10.96.0.0/16", "--allow-privileged=true",
      "--profiling=false", "--endpoint-reconciler-type=none",
    ]);
    saveState(state);
    await waitFor("kube-apiserver", async () => (await get(`${state.server}/readyz`, pki)).status === 200, 120, state.pids["kube-apiserver"], dir, "kube-apiserver");
    log(`cluster: kube-apiserver ${engineVersion("kubernetes")} on ${state.server}`);
    const kcmConfig = path.join(dir, "controller-manager.kubeconfig");
    fs.writeFileSync(kcmConfig, kubeconfigYaml(state, "system:kube-controller-manager", clientCertificate(pki.controllerManager)), { mode: 0o600 });
    state.pids["kube-controller-manager"] = startProcess(dir, "kube-controller-manager", bin("kube-controller-manager"), [
      `--kubeconfig=${kcmConfig}`, "--use-service-account-credentials", "--leader-elect=false", "--secure-port=0", `--root-ca-file=${pki.ca}`,
      `--service-account-private-key-file=${pki.saKey}`,
      "--controllers=namespace-controller,serviceaccount-controller,resourcequota-controller,garbage-collector-controller,root-ca-certificate-publisher-controller",
    ]);
    saveState(state);
    fs.mkdirSync(path.dirname(state.kubeconfig), { recursive: true });
    fs.writeFileSync(state.kubeconfig, kubeconfigYaml(state, "platform-admin", clientCertificate(pki.admin)), { mode: 0o600 });
    // The controller manager is ready once it gave `default` its service account.
    await waitFor("kube-controller-manager", async () => {
      const r = spawnSync(bin("kubectl"), ["--kubeconfig", state.kubeconfig, "get", "serviceaccount", "default", "-n", "default"], { encoding: "utf8" });
      return r.status === 0;
    }, 60, state.pids["kube-controller-manager"], dir, "kube-controller-manager");
    const crds = officialCrds();
    kubectl(state, ["apply", "--server-side", "--field-manager=eks-gitops-engines", "-f", "-"], crds.flatMap((f) => f.crds).map((c) => stringify(c)).join("---\n"));
    kubectl(state, ["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"]);
    log(`cluster: ${crds.reduce((n, f) => n + f.crds.length, 0)} CRDs installed from ${[...new Set(crds.map((f) => f.source.split("/").slice(0, 3).join("/")))].join(", ")}`);
    saveState(state);
    return state;
  } catch (e) {
    await stopCluster(dir);
    throw e;
  }
}

/** Records the cluster's processes, so `stopCluster` can find them from another process. */
export function saveState(state: ClusterState): void {
  fs.writeFileSync(path.join(state.dir, STATE), JSON.stringify(state, null, 2));
}

/** Reads a running cluster's state, or undefined. */
export function clusterState(dir: string): ClusterState | undefined {
  const file = path.join(dir, STATE);
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as ClusterState) : undefined;
}

/** Stops every process of the cluster in `dir` (whole process groups) and waits for them to exit. */
export async function stopCluster(dir: string): Promise<void> {
  const state = clusterState(dir);
  if (!state) return;
  await Promise.all(Object.keys(state.pids).reverse().map((name) => stopProcess(state, name)));
  fs.rmSync(path.join(dir, STATE), { force: true });
}

/** Stops one process of the cluster (its whole process group) and forgets it. */
export async function stopProcess(state: ClusterState, name: string): Promise<void> {
  const pid = state.pids[name];
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGTERM");
  } catch {
    /* already gone */
  }
  const until = Date.now() + 10_000;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(-pid, "SIGKILL");
  delete state.pids[name];
  saveState(state);
}

/** The service account env and files `rest.InClusterConfig` reads, for a controller run as a local process. */
export interface InCluster {
  namespace: string;
  serviceAccount: string;
}

/**
 * Starts a controller that only knows in-cluster config (the Sealed Secrets controller): a token
 * for its service account from the TokenRequest API, mounted where client-go looks for it
 * (/var/run/secrets/kubernetes.io/serviceaccount) inside a private mount namespace, so the host's
 * /run is untouched.
 */
export function startInCluster(state: ClusterState, name: string, sa: InCluster, cmd: string, args: string[], env: Record<string, string> = {}): number {
  const saDir = path.join(state.dir, "serviceaccounts", name);
  fs.mkdirSync(saDir, { recursive: true });
  fs.writeFileSync(path.join(saDir, "token"), kubectl(state, ["create", "token", sa.serviceAccount, "-n", sa.namespace, "--duration=24h"]).trim(), { mode: 0o600 });
  fs.copyFileSync(state.pki.ca, path.join(saDir, "ca.crt"));
  fs.writeFileSync(path.join(saDir, "namespace"), sa.namespace);
  const mount = "/run/secrets/kubernetes.io/serviceaccount";
  const script = `mount -t tmpfs tmpfs /run && mkdir -p ${mount} && mount --bind "$SA_DIR" ${mount} && exec "$@"`;
  const port = new URL(state.server).port;
  const pid = startProcess(state.dir, name, "unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "sh", cmd, ...args], {
    ...process.env, ...env, SA_DIR: saDir, KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port, POD_NAMESPACE: sa.namespace,
  });
  state.pids[name] = pid;
  saveState(state);
  return pid;
}

export const DEFAULT_DIR = path.join(CLUSTER_DIR, "run");
export const DEFAULT_KUBECONFIG = path.join(CLUSTER_DIR, "kubeconfig");
