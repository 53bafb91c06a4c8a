import { createHash } from "node:crypto";

/**
 * Fleet content as one commit per update through GitHub's Git Data API: read the branch, compare
 * the blobs under the owned prefixes with the wanted files, and write only the difference as one
 * tree (inline contents, `sha: null` for removals), one commit and one fast-forward of the branch.
 *
 * Everything here is plain functions over an injected {@link GitDataClient}, so the commit logic is
 * tested without GitHub and without Pulumi (whose mocks never call a dynamic provider's `create`).
 * This module is also serialized into the dynamic provider (components/fleet-commit.ts): it imports
 * Node built-ins only and keeps no module state.
 */

/** How Pulumi types the FleetCommit dynamic resource (module `fleet`, type `FleetCommit`, components/fleet-commit.ts). */
export const FLEET_COMMIT_TYPE = "pulumi-nodejs:dynamic/fleet:FleetCommit";

/** Where the fleet lives: API base URL (GitHub or GitHub Enterprise Server), repository, branch. */
export interface FleetLocation {
  /** REST API base without trailing slash: `https://api.github.com`, `https://ghe.example.com/api/v3`. */
  apiUrl: string;
  owner: string;
  repository: string;
  branch: string;
}

/** A tree entry as GitHub lists it; `path` is relative to the tree that was listed. */
export interface RemoteEntry {
  path: string;
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
}

/** One entry of a `POST git/trees` request: a file written inline, or a path removed. */
export type TreeChange =
  | { path: string; mode: "100644"; type: "blob"; content: string }
  | { path: string; mode: string; type: "blob" | "commit"; sha: null };

/** The Git Data API calls a fleet commit needs, bound to one repository and branch. */
export interface GitDataClient {
  /** The commit the branch points at. */
  getHead(): Promise<string>;
  /** The root tree of a commit. */
  getCommitTree(commitSha: string): Promise<string>;
  getTree(treeSha: string, recursive: boolean): Promise<{ entries: RemoteEntry[]; truncated: boolean }>;
  /** Content-creating. A new tree: `baseTree` with `changes` applied. */
  createTree(baseTree: string, changes: TreeChange[]): Promise<string>;
  /** Content-creating. */
  createCommit(message: string, treeSha: string, parents: string[]): Promise<string>;
  /** Content-creating. Fast-forwards the branch (never forced); `moved` when it is no longer the commit's parent. */
  updateHead(commitSha: string): Promise<"updated" | "moved">;
}

/**
 * An error a person must act on; the message names repository and branch, never the token. A plain
 * `Error` with a name, not a subclass: function serialization rewrites `super(message)` in a class
 * that extends `Error`, and the message is lost.
 */
export function fleetCommitError(message: string, detail: { timedOut?: boolean } = {}): Error & { timedOut?: boolean } {
  const e = Object.assign(new Error(message), detail);
  e.name = "FleetCommitError";
  return e;
}

export function isFleetCommitError(e: unknown): e is Error & { timedOut?: boolean } {
  return e instanceof Error && e.name === "FleetCommitError";
}

/** `acme/fleet (branch main, https://api.github.com)`: how every message names its target. */
export function describeLocation(l: FleetLocation): string {
  return `${l.owner}/${l.repository} (branch ${l.branch}, ${l.apiUrl})`;
}

/** The Git blob id of a file: what GitHub lists for it in a tree, so drift is seen without reading contents. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

/** Blob ids of every file, by path. */
export function blobShas(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [path, gitBlobSha(content)]));
}

/**
 * Largest `POST git/trees` body we send, in bytes. GitHub documents 7 MB and 100,000 entries; on
 * github.com requests from about 2.5 MB have been seen to fail with 502 or 422, so a bigger change
 * goes as a chain of trees (each based on the previous one) under one commit.
 */
export const TREE_REQUEST_BYTES = 2_000_000;

/**
 * The GitHub writes (content-creating requests) of a commit: one tree request per chunk of at most
 * `maxTreeBytes`, the commit and the ref update; none when nothing changed. Give the changed
 * contents by path (null for a removal) for the exact figure; a count alone assumes one chunk,
 * which holds for any edit under ~2 MB (a few dozen tenants).
 */
export function commitWrites(changed: number | Record<string, string | null>, maxTreeBytes = TREE_REQUEST_BYTES): number {
  if (typeof changed === "number") return changed > 0 ? 3 : 0;
  const entries = Object.entries(changed).map(([path, content]): TreeChange =>
    content === null ? { path, mode: "100644", type: "blob", sha: null } : { path, mode: "100644", type: "blob", content });
  return entries.length > 0 ? treeChunks(entries, maxTreeBytes).length + 2 : 0;
}

/** Splits tree entries into request bodies of at most `maxBytes` (an entry bigger than that goes alone). */
export function treeChunks(entries: readonly TreeChange[], maxBytes = TREE_REQUEST_BYTES): TreeChange[][] {
  const envelope = Buffer.byteLength(JSON.stringify({ base_tree: "0".repeat(40), tree: [] }));
  const chunks: TreeChange[][] = [];
  let size = envelope;
  for (const entry of entries) {
    const bytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (chunks.length === 0 || size + bytes > maxBytes) {
      chunks.push([]);
      size = envelope;
    }
    chunks[chunks.length - 1].push(entry);
    size += bytes;
  }
  return chunks;
}

/** `https://ghe.example.com/api/v3/` → `https://ghe.example.com/api/v3`. */
export function normalizeApiUrl(apiUrl: string): string {
  return apiUrl.replace(/\/+$/, "");
}

/** Directory prefixes with one trailing slash, sorted, without duplicates or prefixes inside another. */
export function normalizePrefixes(prefixes: readonly string[]): string[] {
  const dirs = [...new Set(prefixes.map((p) => `${p.replace(/\/+$/, "")}/`))].sort();
  return dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(o)));
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;

function pathProblem(path: string): string | undefined {
  const segments = path.split("/");
  if (path.startsWith("/") || segments.some((s) => s === "" || s === "." || s === ".." || !SEGMENT.test(s))) {
    return `fleet path "${path}": not a relative path of letters, digits, ".", "_" and "-" separated by "/"`;
  }
  return undefined;
}

/**
 * Every reason these prefixes and paths cannot be committed: malformed prefixes or paths, and paths
 * outside the owned prefixes (a fleet commit never touches what another owner wrote).
 */
export function fleetPathProblems(paths: readonly string[], prefixes: readonly string[]): string[] {
  const problems: string[] = [];
  if (prefixes.length === 0) problems.push("no owned prefixes: a fleet commit must own at least one folder");
  for (const p of prefixes) {
    const problem = pathProblem(p.replace(/\/+$/, ""));
    if (problem) problems.push(problem.replace("fleet path", "owned prefix"));
  }
  const owned = normalizePrefixes(prefixes);
  for (const path of [...paths].sort()) {
    const problem = pathProblem(path);
    if (problem) problems.push(problem);
    else if (!owned.some((o) => path.startsWith(o))) problems.push(`fleet path "${path}": outside the owned prefixes ${owned.map((o) => `"${o}"`).join(", ")}`);
  }
  return problems;
}

/**
 * The blobs under the owned prefixes of a tree, by full path. Walks down to each prefix (one small
 * listing per level) and lists only that folder recursively, so the size of the rest of the
 * repository never matters. A missing prefix folder holds nothing.
 */
export async function readOwnedTree(client: GitDataClient, rootTree: string, prefixes: readonly string[], where: string): Promise<Map<string, RemoteEntry>> {
  const listings = new Map<string, RemoteEntry[]>();
  const list = async (sha: string): Promise<RemoteEntry[]> => {
    if (!listings.has(sha)) listings.set(sha, (await client.getTree(sha, false)).entries);
    return listings.get(sha)!;
  };
  const owned = new Map<string, RemoteEntry>();
  for (const prefix of normalizePrefixes(prefixes)) {
    let sha: string | undefined = rootTree;
    for (const segment of prefix.slice(0, -1).split("/")) {
      const entry: RemoteEntry | undefined = (await list(sha)).find((e) => e.path === segment);
      sha = entry?.type === "tree" ? entry.sha : undefined;
      if (!sha) break;
    }
    if (!sha) continue;
    const folder = await client.getTree(sha, true);
    if (folder.truncated) {
      throw fleetCommitError(`${where}: GitHub truncated the listing of "${prefix}" (too many entries); split it over several fleet commits with narrower prefixes`);
    }
    for (const e of folder.entries) if (e.type !== "tree") owned.set(`${prefix}${e.path}`, { ...e, path: `${prefix}${e.path}` });
  }
  return owned;
}

/** What a commit must change so the owned prefixes hold exactly the wanted files. */
export interface FleetChanges {
  /** Paths written inline (new, changed, or differing on the branch from what was last written). */
  written: string[];
  /** Paths under the owned prefixes that are not wanted any more. */
  removed: RemoteEntry[];
}

/** Compares wanted blob ids with the branch, so drift in owned paths is rewritten whatever the state says. */
export function planFleetChanges(wanted: Record<string, string>, remote: ReadonlyMap<string, RemoteEntry>): FleetChanges {
  const written = Object.keys(wanted).filter((p) => remote.get(p)?.sha !== wanted[p]).sort();
  const removed = [...remote.values()].filter((e) => !(e.path in wanted)).sort((a, b) => a.path.localeCompare(b.path));
  return { written, removed };
}

/** `platform: fleet c1: 2 written, 1 removed`, then the paths (at most 50 listed). */
export function commitMessage(prefix: string, changes: FleetChanges): string {
  const lines = [...changes.written.map((p) => `write  ${p}`), ...changes.removed.map((e) => `remove ${e.path}`)];
  const shown = lines.slice(0, 50);
  if (lines.length > shown.length) shown.push(`… and ${lines.length - shown.length} more`);
  return `${prefix}: ${changes.written.length} written, ${changes.removed.length} removed\n\n${shown.join("\n")}\n`;
}

export interface SyncRequest {
  location: FleetLocation;
  /** Folders this commit owns; every file must lie under one, and anything else under them is removed. */
  prefixes: readonly string[];
  /** Wanted contents by path. */
  files: Record<string, string>;
  /** First line of the commit message, before the counts. */
  messagePrefix: string;
  /** Tries when another writer moves the branch between our read and our ref update. @default 5 */
  maxAttempts?: number;
  /** Largest tree request body, in bytes; a bigger change is a chain of trees under one commit. @default TREE_REQUEST_BYTES */
  maxTreeBytes?: number;
  /** Waits between tries; injected in tests. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

export interface SyncResult {
  /** The commit the branch points at afterwards: ours, or the one already holding the wanted files. */
  head: string;
  /** Our new commit, when one was needed. */
  commit?: string;
  /** Blob id of every wanted file: what the owned prefixes hold now. */
  blobs: Record<string, string>;
  /** Paths the commit wrote (changed on the branch, whatever the state said). */
  written: string[];
  /** Paths the commit removed from the owned prefixes. */
  removed: string[];
  /** Content-creating requests made, failed tries included. */
  writes: number;
  attempts: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Makes the owned prefixes of the branch hold exactly `files`, in one commit or none (3 writes:
 * tree, commit, ref; one more tree per further ~2 MB of changed content). The ref update is a
 * fast-forward, so an interrupted run leaves the old commit or the new one, and the next run (which
 * compares with the branch, not with any record) finishes the job. If another writer moves the
 * branch meanwhile, everything is re-read and rebuilt on top of it, a bounded number of times.
 */
export async function syncFleet(client: GitDataClient, req: SyncRequest): Promise<SyncResult> {
  const where = describeLocation(req.location);
  const problems = fleetPathProblems(Object.keys(req.files), req.prefixes);
  if (problems.length > 0) throw fleetCommitError(`${where}: nothing was committed:\n  - ${problems.join("\n  - ")}`);
  const blobs = blobShas(req.files);
  const maxAttempts = req.maxAttempts ?? 5;
  const sleep = req.sleep ?? realSleep;
  let writes = 0;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const head = await client.getHead();
    const baseTree = await client.getCommitTree(head);
    const changes = planFleetChanges(blobs, await readOwnedTree(client, baseTree, req.prefixes, where));
    const result = { blobs, written: changes.written, removed: changes.removed.map((e) => e.path), attempts: attempt };
    if (changes.written.length + changes.removed.length === 0) return { ...result, head, writes };
    const entries: TreeChange[] = [
      ...changes.written.map((path): TreeChange => ({ path, mode: "100644", type: "blob", content: req.files[path] })),
      ...changes.removed.map((e): TreeChange => ({ path: e.path, mode: e.mode, type: e.type === "commit" ? "commit" : "blob", sha: null })),
    ];
    let tree = baseTree;
    for (const chunk of treeChunks(entries, req.maxTreeBytes)) {
      writes++;
      tree = await client.createTree(tree, chunk);
    }
    writes++;
    const commit = await client.createCommit(commitMessage(req.messagePrefix, changes), tree, [head]);
    writes++;
    if ((await client.updateHead(commit)) === "updated") return { ...result, head: commit, commit, writes };
    if (attempt < maxAttempts) await sleep(1000 * attempt);
  }
  throw fleetCommitError(
    `${where}: the branch moved under every one of ${maxAttempts} tries (another writer is pushing to it); nothing of ours was committed; run the update again`,
  );
}

/** The owned blobs on the branch now, for refresh: what `pulumi refresh` compares with the state. */
export async function readFleet(client: GitDataClient, location: FleetLocation, prefixes: readonly string[]): Promise<{ head: string; blobs: Record<string, string> }> {
  const head = await client.getHead();
  const owned = await readOwnedTree(client, await client.getCommitTree(head), prefixes, describeLocation(location));
  return { head, blobs: Object.fromEntries([...owned.values()].map((e) => [e.path, e.sha])) };
}

interface Shared {
  turns: Record<string, Promise<unknown>>;
}

// Shared by every fleet commit in this process (the dynamic provider runs them all in one): commits
// to one branch take turns instead of racing each other into retries. `Symbol.for` is called here,
// not kept in a module constant: function serialization captures constants by value, and a symbol
// does not survive that.
function shared(): Shared {
  const g = globalThis as unknown as Record<symbol, Shared | undefined>;
  return (g[Symbol.for("eks-gitops-platform.fleet-commit")] ??= { turns: {} });
}

/** Runs `work` after every earlier call with the same key has finished (failed ones included). */
export function inTurn<T>(key: string, work: () => Promise<T>): Promise<T> {
  const turns = shared().turns;
  const run = (turns[key] ?? Promise.resolve()).then(work, work);
  turns[key] = run.catch(() => undefined);
  return run;
}

/** The key commits to one branch share: case-insensitive like GitHub's owner and repository names. */
export function branchKey(l: FleetLocation): string {
  return `${l.apiUrl.toLowerCase()} ${l.owner.toLowerCase()}/${l.repository.toLowerCase()} ${l.branch}`;
}
