import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments, stringify } from "yaml";
import { stackDefaults } from "../lib/stack-schema";
import { BIN_DIR, buildEngine, EngineError, moduleDir } from "./build";
import { freePort, kubeconfigYaml, kubectl, logTail, saveState, startProcess, waitFor, type ClusterState } from "./cluster";
import { fluxRelease } from "./crds";

/**
 * Flux's source-, kustomize- and notification-controller as local processes against the local
 * API server, each as its own service account with the RBAC of the Flux release the stacks
 * install (read from the Flux Operator module, applied as it is), and with the flags the
 * FluxInstance's multitenant profile gives them.
 */
export const FLUX_NAMESPACE = "flux-system";

export interface FluxEndpoints {
  /** Where source-controller serves artifacts. */
  storage: string;
  /** notification-controller's webhook receiver, e.g. http://127.0.0.1:<port>. */
  receiver: string;
}

/** A kubeconfig that authenticates as a service account with a TokenRequest token. */
export function serviceAccountKubeconfig(state: ClusterState, namespace: string, name: string): string {
  const token = kubectl(state, ["create", "token", name, "-n", namespace, "--duration=24h"]).trim();
  const file = path.join(state.dir, "serviceaccounts", `${namespace}-${name}.kubeconfig`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, kubeconfigYaml(state, name, { token }), { mode: 0o600 });
  return file;
}

/** Service accounts and RBAC of the Flux release, from the operator module's manifests. */
function fluxRbac(): string {
  const dir = moduleDir("github.com/controlplaneio-fluxcd/flux-operator", `v${stackDefaults.fluxOperatorChartVersion}`);
  const release = path.join(dir, "config", "data", "flux", fluxRelease(dir));
  const docs = fs.readdirSync(release).filter((f) => f.endsWith(".yaml")).flatMap((f) =>
    parseAllDocuments(fs.readFileSync(path.join(release, f), "utf8")).map((d) => d.toJS() as { kind?: string; metadata?: { namespace?: string } } | null));
  const wanted = docs.filter((d): d is NonNullable<typeof d> => !!d && ["ServiceAccount", "ClusterRole", "ClusterRoleBinding"].includes(d.kind ?? ""));
  // The FluxInstance installs into flux-system (kustomize sets the namespace of the service accounts).
  for (const d of wanted) if (d.kind === "ServiceAccount") d.metadata = { ...d.metadata, namespace: FLUX_NAMESPACE };
  return wanted.map((d) => stringify(d)).join("---\n");
}

export async function startFlux(state: ClusterState, log: (l: string) => void = console.log): Promise<FluxEndpoints> {
  await buildEngine("flux", log);
  kubectl(state, ["apply", "--server-side", "--field-manager=eks-gitops-engines", "-f", "-"], stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: FLUX_NAMESPACE } }));
  kubectl(state, ["apply", "--server-side", "--field-manager=eks-gitops-engines", "-f", "-"], fluxRbac());
  const [storage, events, receiver] = [await freePort(), await freePort(), await freePort()];
  fs.mkdirSync(path.join(state.dir, "artifacts"), { recursive: true });
  const common = async (name: string) => [
    "--watch-all-namespaces", "--log-encoding=console", "--enable-leader-election=false",
    `--metrics-addr=127.0.0.1:${await freePort()}`, `--health-addr=127.0.0.1:${await freePort()}`,
    ...(name === "notification-controller" ? [] : [`--events-addr=http://127.0.0.1:${events}/`]),
  ];
  // The flags the FluxInstance's cluster settings make the operator add (flux-operator
  // internal/builder/profiles.go): the multitenant lockdown, and object-level workload identity
  // with its multitenant defaults (objects naming no identity use the namespace's `default`).
  const identity = ["--feature-gates=ObjectLevelWorkloadIdentity=true"];
  const flags: Record<string, string[]> = {
    "source-controller": [`--storage-path=${path.join(state.dir, "artifacts")}`, `--storage-addr=127.0.0.1:${storage}`, `--storage-adv-addr=127.0.0.1:${storage}`, ...identity, "--default-service-account=default"],
    "kustomize-controller": ["--no-cross-namespace-refs=true", "--no-remote-bases=true", "--default-service-account=default", ...identity, "--default-decryption-service-account=default", "--default-kubeconfig-service-account=default"],
    "notification-controller": ["--no-cross-namespace-refs=true", `--events-addr=127.0.0.1:${events}`, `--receiverAddr=127.0.0.1:${receiver}`, ...identity, "--default-service-account=default"],
  };
  for (const [name, own] of Object.entries(flags)) {
    const kubeconfig = serviceAccountKubeconfig(state, FLUX_NAMESPACE, name);
    state.pids[name] = startProcess(state.dir, name, path.join(BIN_DIR, name), [...(await common(name)), ...own], {
      ...process.env, KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: FLUX_NAMESPACE,
    });
    saveState(state);
  }
  for (const name of Object.keys(flags)) {
    const pid = state.pids[name];
    await waitFor(name, async () => /[Ss]tarting workers|starting webhook receiver server/.test(logTail(state.dir, name, 400)), 60, pid, state.dir, name);
  }
  log(`flux: source-, kustomize- and notification-controller running (artifacts on 127.0.0.1:${storage})`);
  return { storage: `http://127.0.0.1:${storage}`, receiver: `http://127.0.0.1:${receiver}` };
}

export interface GitServer {
  /** `ssh://git@127.0.0.1:<port>`. */
  sshUrl: string;
  /** known_hosts lines for the server's host key. */
  knownHosts: string;
  /** Grants file: `<owner>/<repo> <read|write> <public key>` per line. */
  keys: string;
  /** Bare repositories, `<owner>/<repo>.git`. */
  root: string;
}

/** The test Git server (engines/gitserver): SSH on loopback, each key authorized per repository. */
export async function startGitServer(state: ClusterState, log: (l: string) => void = console.log): Promise<GitServer> {
  await buildEngine("gitserver", log);
  const dir = path.join(state.dir, "git");
  const shims = path.join(dir, "bin");
  fs.mkdirSync(shims, { recursive: true });
  for (const cmd of ["git-upload-pack", "git-receive-pack"]) fs.symlinkSync(path.join(BIN_DIR, "gitserver"), path.join(shims, cmd));
  const g = { root: path.join(dir, "repositories"), keys: path.join(dir, "keys"), hostKeys: path.join(dir, "host-keys") };
  fs.mkdirSync(g.root, { recursive: true });
  fs.writeFileSync(g.keys, "");
  const pid = startProcess(state.dir, "gitserver", path.join(BIN_DIR, "gitserver"), ["-root", g.root, "-keys", g.keys, "-host-keys", g.hostKeys], {
    ...process.env, PATH: `${shims}:${process.env.PATH ?? ""}`,
  });
  state.pids.gitserver = pid;
  saveState(state);
  let address = "";
  await waitFor("gitserver", async () => {
    address = /ssh-address (\S+)/.exec(logTail(state.dir, "gitserver", 50))?.[1] ?? "";
    return address !== "";
  }, 30, pid, state.dir, "gitserver");
  const port = new URL(address).port;
  const hostKey = fs.readFileSync(path.join(g.hostKeys, "gitkit.rsa.pub"), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  if (!hostKey) throw new EngineError("gitserver made no host key");
  log(`git: SSH server on ${address}`);
  return { sshUrl: address, knownHosts: `[127.0.0.1]:${port} ${hostKey}\n`, keys: g.keys, root: g.root };
}
