import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** The engines' home: Go modules beside this file, built binaries and run state under `.cluster/`. */
export const ENGINES_DIR = __dirname;
export const CLUSTER_DIR = path.join(ENGINES_DIR, "..", ".cluster");
export const BIN_DIR = path.join(CLUSTER_DIR, "bin");
const CACHE_DIR = path.join(CLUSTER_DIR, "cache");

interface Engine {
  /** Folder under engines/ holding the Go module that pins it. */
  module: string;
  /** The upstream module whose version names the build. */
  upstream: string;
  /** Binary name → Go package. */
  binaries: Record<string, string>;
  /** Linker flags, given the upstream version. */
  ldflags?: (version: string) => string;
}

const kubernetesLdflags = (v: string) => {
  const [major, minor] = v.replace(/^v/, "").split(".");
  const pkg = "k8s.io/component-base/version";
  return `-X ${pkg}.gitVersion=${v} -X ${pkg}.gitMajor=${major} -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean`;
};

export const ENGINES: Record<string, Engine> = {
  kubernetes: {
    module: "kubernetes",
    upstream: "k8s.io/kubernetes",
    binaries: {
      "kube-apiserver": "k8s.io/kubernetes/cmd/kube-apiserver",
      "kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
      kubectl: "k8s.io/kubernetes/cmd/kubectl",
    },
    ldflags: kubernetesLdflags,
  },
  etcd: { module: "etcd", upstream: "go.etcd.io/etcd/server/v3", binaries: { etcd: "go.etcd.io/etcd/server/v3" } },
  flux: {
    module: "flux",
    upstream: "github.com/fluxcd/source-controller",
    binaries: {
      "source-controller": "github.com/fluxcd/source-controller",
      "kustomize-controller": "github.com/fluxcd/kustomize-controller",
      "notification-controller": "github.com/fluxcd/notification-controller",
    },
  },
  gitserver: { module: "gitserver", upstream: "github.com/fluxcd/pkg/gittestserver", binaries: { gitserver: "." } },
  gosyntax: { module: "gosyntax", upstream: "github.com/Masterminds/semver/v3", binaries: { gosyntax: "." } },
  "sealed-secrets": {
    module: "sealed-secrets",
    upstream: "github.com/bitnami-labs/sealed-secrets",
    binaries: { "sealed-secrets-controller": "github.com/bitnami-labs/sealed-secrets/cmd/controller" },
    ldflags: (v) => `-X main.VERSION=${v}`,
  },
};

export type EngineName = keyof typeof ENGINES;

/** The version of `upstream` the engine's go.mod requires: go.mod is the one place versions are pinned. */
export function engineVersion(name: EngineName): string {
  const e = ENGINES[name];
  const gomod = fs.readFileSync(path.join(ENGINES_DIR, e.module, "go.mod"), "utf8");
  const escaped = e.upstream.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+(v\\S+)`, "m").exec(gomod);
  if (!m) throw new Error(`engines/${e.module}/go.mod does not require ${e.upstream}`);
  return m[1];
}

export class EngineError extends Error {}

/** The Go toolchain, or a clear reason why the engines cannot be built. */
function goVersion(): string {
  const r = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new EngineError(`the real engines are built with Go, and \`go env GOVERSION\` failed (${r.error?.message ?? r.stderr.trim()}); install Go 1.26 with access to the Go module proxy`);
  }
  return r.stdout.trim();
}

/** Cache key: everything that decides the bytes built (the module's files: go.mod, go.sum, our own Go code; the Go release). */
function cacheKey(e: Engine, go: string): string {
  const h = createHash("sha256").update(go);
  const dir = path.join(ENGINES_DIR, e.module);
  for (const f of fs.readdirSync(dir).sort()) h.update(f).update(fs.readFileSync(path.join(dir, f)));
  return h.digest("hex").slice(0, 12);
}

const elapsed = (start: number) => `${Math.round((Date.now() - start) / 1000)}s`;

/**
 * Builds one engine unless a build of the same inputs is cached, and links its binaries into
 * `.cluster/bin/`. Cold builds take minutes, so it prints what it does and a line every 30 s.
 */
export async function buildEngine(name: EngineName, log: (line: string) => void = console.log): Promise<void> {
  const e = ENGINES[name];
  const version = engineVersion(name);
  const dir = path.join(CACHE_DIR, `${name}-${version}-${cacheKey(e, goVersion())}`);
  const names = Object.keys(e.binaries);
  if (!names.every((b) => fs.existsSync(path.join(dir, b)))) {
    const start = Date.now();
    log(`engines: building ${names.join(", ")} (${e.upstream} ${version}) from the Go module proxy; a cold build takes minutes`);
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const ldflags = ["-s", "-w", e.ldflags?.(version) ?? ""].join(" ").trim();
    const tick = setInterval(() => log(`engines: still building ${name} (${elapsed(start)})`), 30_000);
    try {
      // One binary at a time; they share Go's build cache, and each go build uses every core.
      for (const [bin, pkg] of Object.entries(e.binaries)) {
        await run("go", ["build", "-trimpath", `-ldflags=${ldflags}`, "-o", path.join(tmp, bin), pkg], path.join(ENGINES_DIR, e.module));
      }
    } finally {
      clearInterval(tick);
    }
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    log(`engines: built ${name} ${version} in ${elapsed(start)}`);
  }
  fs.mkdirSync(BIN_DIR, { recursive: true });
  for (const bin of names) {
    const link = path.join(BIN_DIR, bin);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.join(dir, bin), link);
  }
}

/** Builds every engine (sequentially: each `go build` already uses every core). */
export async function buildEngines(log?: (line: string) => void): Promise<void> {
  for (const name of Object.keys(ENGINES) as EngineName[]) await buildEngine(name, log);
}

function run(cmd: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ["ignore", "inherit", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-8000);
    });
    child.on("error", (err) => reject(new EngineError(`${cmd} could not start: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new EngineError(`\`${cmd} ${args.join(" ")}\` in engines/${path.basename(cwd)} failed (exit ${code}):\n${stderr.trim()}`));
    });
  });
}

/** A module's unpacked folder in the Go module cache (downloaded through the proxy, checked against go.sum/sumdb). */
export function moduleDir(module: string, version: string): string {
  const r = spawnSync("go", ["mod", "download", "-json", `${module}@${version}`], { encoding: "utf8", cwd: ENGINES_DIR });
  let info: { Dir?: string; Error?: string } = {};
  try {
    info = JSON.parse(r.stdout) as typeof info;
  } catch {
    /* reported below */
  }
  if (!info.Dir || info.Error) {
    throw new EngineError(`cannot download ${module}@${version} from the Go module proxy: ${info.Error ?? r.error?.message ?? r.stderr.trim()}`);
  }
  return info.Dir;
}
