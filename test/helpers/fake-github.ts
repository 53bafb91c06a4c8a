/**
 * An in-memory GitHub repository with Git's object model (blobs with real blob ids, nested trees,
 * commits, one branch) behind the Git Data API calls a fleet commit makes, both as a
 * {@link GitDataClient} and as a `fetch` that answers the REST requests the real client sends.
 */
import { createHash } from "node:crypto";
import { gitBlobSha, type GitDataClient, type RemoteEntry, type TreeChange } from "../../lib/fleet-commit";
import type { FetchLike } from "../../lib/github-git-client";

interface Node {
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
}

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

export class FakeGitHub implements GitDataClient {
  readonly blobs = new Map<string, string>();
  readonly trees = new Map<string, Map<string, Node>>();
  readonly commits = new Map<string, { tree: string; parents: string[]; message: string }>();
  /** Every call in order; `write` marks the content-creating ones. */
  readonly calls: { op: string; write: boolean }[] = [];
  /** The entries of every `createTree` request. */
  readonly treeRequests: TreeChange[][] = [];
  /** Runs before the next ref update, then is cleared: another writer moving the branch. */
  beforeUpdate?: () => void;
  /** When set, every recursive listing says GitHub truncated it. */
  truncate = false;
  head: string;
  private counter = 0;

  constructor(files: Record<string, string>) {
    this.head = this.commitOf(this.treeOf(this.flat(files)), [], "initial");
  }

  get writes(): number {
    return this.calls.filter((c) => c.write).length;
  }

  /** Files on the branch (or at a commit), by path. */
  files(commit = this.head): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [path, node] of this.flatten(this.commits.get(commit)!.tree)) out[path] = this.blobs.get(node.sha)!;
    return out;
  }

  /** Another writer pushes straight to the branch: contents by path, null to remove. */
  push(change: Record<string, string | null>, message = "by hand"): string {
    const flat = this.flatten(this.commits.get(this.head)!.tree);
    for (const [path, content] of Object.entries(change)) {
      if (content === null) flat.delete(path);
      else flat.set(path, this.blob(content));
    }
    this.head = this.commitOf(this.treeOf(flat), [this.head], message);
    return this.head;
  }

  async getHead(): Promise<string> {
    this.calls.push({ op: "getHead", write: false });
    return this.head;
  }

  async getCommitTree(commitSha: string): Promise<string> {
    this.calls.push({ op: "getCommitTree", write: false });
    const c = this.commits.get(commitSha);
    if (!c) throw new Error(`no commit ${commitSha}`);
    return c.tree;
  }

  async getTree(treeSha: string, recursive: boolean): Promise<{ entries: RemoteEntry[]; truncated: boolean }> {
    this.calls.push({ op: "getTree", write: false });
    if (!this.trees.has(treeSha)) throw new Error(`no tree ${treeSha}`);
    const entries: RemoteEntry[] = [];
    const walk = (sha: string, prefix: string) => {
      for (const [name, node] of this.trees.get(sha)!) {
        entries.push({ path: `${prefix}${name}`, ...node });
        if (recursive && node.type === "tree") walk(node.sha, `${prefix}${name}/`);
      }
    };
    walk(treeSha, "");
    return { entries, truncated: recursive && this.truncate };
  }

  async createTree(baseTree: string, changes: TreeChange[]): Promise<string> {
    this.calls.push({ op: "createTree", write: true });
    this.treeRequests.push(changes);
    const flat = this.flatten(baseTree);
    for (const c of changes) {
      if ("content" in c) flat.set(c.path, this.blob(c.content));
      else if (!flat.delete(c.path)) throw new Error(`GitHub refuses to delete ${c.path}: not in the base tree`);
    }
    return this.treeOf(flat);
  }

  async createCommit(message: string, treeSha: string, parents: string[]): Promise<string> {
    this.calls.push({ op: "createCommit", write: true });
    return this.commitOf(treeSha, parents, message);
  }

  async updateHead(commitSha: string): Promise<"updated" | "moved"> {
    this.calls.push({ op: "updateHead", write: true });
    const hook = this.beforeUpdate;
    this.beforeUpdate = undefined;
    hook?.();
    if (this.commits.get(commitSha)?.parents[0] !== this.head) return "moved";
    this.head = commitSha;
    return "updated";
  }

  /** Commits made since `since`, newest first, up to it (exclusive). */
  commitsSince(since: string): string[] {
    const out: string[] = [];
    for (let c = this.head; c !== since; c = this.commits.get(c)!.parents[0]) out.push(c);
    return out;
  }

  private blob(content: string): Node {
    const sha = gitBlobSha(content);
    this.blobs.set(sha, content);
    return { mode: "100644", type: "blob", sha };
  }

  private flat(files: Record<string, string>): Map<string, Node> {
    return new Map(Object.entries(files).map(([p, c]) => [p, this.blob(c)]));
  }

  private flatten(treeSha: string, prefix = "", out = new Map<string, Node>()): Map<string, Node> {
    for (const [name, node] of this.trees.get(treeSha)!) {
      if (node.type === "tree") this.flatten(node.sha, `${prefix}${name}/`, out);
      else out.set(`${prefix}${name}`, node);
    }
    return out;
  }

  private treeOf(flat: Map<string, Node>): string {
    const here = new Map<string, Node>();
    const below = new Map<string, Map<string, Node>>();
    for (const [path, node] of flat) {
      const slash = path.indexOf("/");
      if (slash < 0) here.set(path, node);
      else {
        const dir = path.slice(0, slash);
        if (!below.has(dir)) below.set(dir, new Map());
        below.get(dir)!.set(path.slice(slash + 1), node);
      }
    }
    for (const [dir, sub] of below) here.set(dir, { mode: "040000", type: "tree", sha: this.treeOf(sub) });
    const sorted = new Map([...here].sort(([a], [b]) => a.localeCompare(b)));
    const sha = sha1(JSON.stringify([...sorted]));
    this.trees.set(sha, sorted);
    return sha;
  }

  private commitOf(tree: string, parents: string[], message: string): string {
    const sha = sha1(JSON.stringify({ tree, parents, message, n: this.counter++ }));
    this.commits.set(sha, { tree, parents, message });
    return sha;
  }
}

/** One request the fake `fetch` received. */
export interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { get: (name: string) => headers[name.toLowerCase()] ?? null },
  text: async () => (typeof body === "string" ? body : JSON.stringify(body)),
});

/** A `fetch` answering GitHub's REST routes for `owner/repo` under `base` from a {@link FakeGitHub}. */
export function githubFetch(gh: FakeGitHub, base: string, owner: string, repo: string, branch: string, sent: Sent[] = []): FetchLike {
  return async (url, init) => {
    sent.push({ method: init.method, url, headers: init.headers, body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const root = `${base}/repos/${owner}/${repo}/`;
    if (!url.startsWith(root)) return answer(404, { message: "Not Found" });
    const [path, query] = url.slice(root.length).split("?");
    const body = init.body === undefined ? undefined : (JSON.parse(init.body) as Record<string, unknown>);
    try {
      if (init.method === "GET" && path === `git/ref/heads/${branch}`) return answer(200, { ref: `refs/heads/${branch}`, object: { sha: await gh.getHead(), type: "commit" } });
      if (init.method === "GET" && path.startsWith("git/commits/")) return answer(200, { tree: { sha: await gh.getCommitTree(path.slice("git/commits/".length)) } });
      if (init.method === "GET" && path.startsWith("git/trees/")) {
        const t = await gh.getTree(path.slice("git/trees/".length), query === "recursive=1");
        return answer(200, { tree: t.entries.map((e) => ({ ...e, url: "https://example.invalid" })), truncated: t.truncated });
      }
      if (init.method === "POST" && path === "git/trees") return answer(201, { sha: await gh.createTree(body!.base_tree as string, body!.tree as TreeChange[]) });
      if (init.method === "POST" && path === "git/commits") return answer(201, { sha: await gh.createCommit(body!.message as string, body!.tree as string, body!.parents as string[]) });
      if (init.method === "PATCH" && path === `git/refs/heads/${branch}`) {
        return (await gh.updateHead(body!.sha as string)) === "updated" ? answer(200, { object: { sha: body!.sha } }) : answer(422, { message: "Update is not a fast forward" });
      }
    } catch (e) {
      return answer(422, { message: e instanceof Error ? e.message : String(e) });
    }
    return answer(404, { message: "Not Found" });
  };
}

/** A `fetch` that answers from `script` first (one entry a call), then passes on to `next`. */
export function scriptedFetch(script: ({ status: number; body: unknown; headers?: Record<string, string> } | "hang" | Error)[], next?: FetchLike): FetchLike {
  return async (url, init) => {
    const step = script.shift();
    if (step === undefined) {
      if (!next) throw new Error(`unexpected request ${init.method} ${url}`);
      return next(url, init);
    }
    if (step instanceof Error) throw step;
    if (step === "hang") {
      return new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(new Error("This operation was aborted"))));
    }
    return answer(step.status, step.body, step.headers);
  };
}

/** A clock that only moves when slept on: every wait is recorded, none is real. */
export function fakeClock(start = 1_700_000_000_000) {
  const clock = {
    t: start,
    slept: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}
