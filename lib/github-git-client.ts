import { describeLocation, fleetCommitError, isFleetCommitError, type FleetLocation, type GitDataClient, type RemoteEntry, type TreeChange } from "./fleet-commit";

/**
 * The {@link GitDataClient} over GitHub's REST API with global `fetch` (Node 20): paced to GitHub's
 * limits for content-creating requests (about 80 a minute and 500 an hour), honouring `Retry-After`
 * and `x-ratelimit-reset`, with a time-out on every request. Serialized into the dynamic provider
 * with lib/fleet-commit.ts, so it imports nothing but that module.
 */

/** How requests are paced and bounded. */
export interface RequestLimits {
  /** Time-out of one request, body included, in ms. @default 30000 */
  timeoutMs: number;
  /** Least time between two content-creating requests (POST, PATCH) to one API, in ms; GitHub allows ~80 a minute. @default 1000 */
  writeIntervalMs: number;
  /** Retries after a rate limit, a 5xx, a time-out or a network error (the last three only where repeating is harmless). @default 4 */
  maxRetries: number;
  /** Longest single wait for a rate limit, in ms; a longer one fails with the time to come back. @default 900000 (15 min) */
  maxWaitMs: number;
}

export const requestDefaults: RequestLimits = { timeoutMs: 30_000, writeIntervalMs: 1_000, maxRetries: 4, maxWaitMs: 15 * 60_000 };

/** The part of `fetch` the client uses; global `fetch` fits, tests pass a fake. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal }) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}>;

export interface GitHubClientOptions {
  location: FleetLocation;
  /** Sent as `Authorization: Bearer …`; removed from every message this client raises. */
  token: string;
  limits?: Partial<RequestLimits>;
  /** @default global fetch */
  fetch?: FetchLike;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

/** GitHub's REST API version this client was written against. */
export const GITHUB_API_VERSION = "2022-11-28";

// Content-creating requests to one API share one pace, whichever fleet commit makes them. The
// symbol is made here, not kept in a constant: function serialization cannot carry a symbol.
function pacer(apiUrl: string): { last: number; queue: Promise<void> } {
  const g = globalThis as unknown as Record<symbol, Record<string, { last: number; queue: Promise<void> }> | undefined>;
  const all = (g[Symbol.for("eks-gitops-platform.github-write-pacers")] ??= {});
  return (all[apiUrl] ??= { last: Number.NEGATIVE_INFINITY, queue: Promise.resolve() });
}

/** Removes the token from any text before it can reach a message or a log. */
export function redact(text: string, token: string): string {
  return token ? text.split(token).join("[redacted]") : text;
}

/** How long a rate-limited answer asks us to wait, in ms; undefined when the answer is not a rate limit. */
export function rateLimitWait(status: number, headers: { get(name: string): string | null }, body: string, now: number, retry: number): number | undefined {
  if (status !== 429 && status !== 403) return undefined;
  const retryAfter = headers.get("retry-after");
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    return Number.isFinite(seconds) ? Math.max(0, seconds * 1000) : Math.max(0, Date.parse(retryAfter) - now);
  }
  const reset = Number(headers.get("x-ratelimit-reset"));
  if (headers.get("x-ratelimit-remaining") === "0" && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now) + 1000;
  // A secondary limit without headers: GitHub asks for at least a minute, then exponentially more.
  if (status === 429 || /rate limit/i.test(body)) return 60_000 * 2 ** retry;
  return undefined;
}

function hint(status: number, method: string, path: string, location: FleetLocation): string {
  if (status === 401) return "the GitHub token is missing, invalid or expired";
  if (status === 403) return `the token needs "contents: write" on ${location.owner}/${location.repository}`;
  if (status === 404 && path.startsWith("git/ref/")) return `branch ${location.branch} does not exist, or the token cannot see ${location.owner}/${location.repository}`;
  if (status === 404) return `${location.owner}/${location.repository} does not exist, or the token cannot see it`;
  if (status === 409) return "the repository is empty: give it a first commit (fleet.create initialises it)";
  if (status === 422 && method === "PATCH") return `branch protection refuses direct updates of ${location.branch}: let the platform's identity bypass it, or use another fleet branch`;
  return "see GitHub's message";
}

/** A client for one repository and branch; see {@link GitDataClient}. */
export function createGitHubClient(o: GitHubClientOptions): GitDataClient {
  const limits = { ...requestDefaults, ...o.limits };
  const location = { ...o.location, apiUrl: o.location.apiUrl.replace(/\/+$/, "") };
  const where = describeLocation(location);
  const doFetch: FetchLike = o.fetch ?? (fetch as unknown as FetchLike);
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = o.now ?? Date.now;
  const fail = (message: string, detail: { timedOut?: boolean } = {}) => fleetCommitError(redact(`${where}: ${message}`, o.token), detail);
  const repoUrl = `${location.apiUrl}/repos/${encodeURIComponent(location.owner)}/${encodeURIComponent(location.repository)}`;
  const branchPath = location.branch.split("/").map(encodeURIComponent).join("/");

  async function paceWrite(): Promise<void> {
    const p = pacer(location.apiUrl);
    const turn = p.queue.then(async () => {
      const wait = p.last + limits.writeIntervalMs - now();
      if (wait > 0) await sleep(wait);
      p.last = now();
    });
    p.queue = turn.catch(() => undefined);
    await turn;
  }

  async function once(method: string, url: string, body: unknown): Promise<{ status: number; headers: { get(name: string): string | null }; text: string } | "timeout"> {
    const headers: Record<string, string> = {
      accept: "application/vnd.github+json",
      authorization: `Bearer ${o.token}`,
      "x-github-api-version": GITHUB_API_VERSION,
      "user-agent": "eks-gitops-platform-fleet-commit",
    };
    if (body !== undefined) headers["content-type"] = "application/json";
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), limits.timeoutMs);
    try {
      const res = await doFetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: controller.signal });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } catch (e) {
      if (controller.signal.aborted) return "timeout";
      throw fail(`${method} ${url.slice(repoUrl.length + 1)}: request failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * One API call with pacing and bounded retries. `repeatable`: repeating it after a time-out or 5xx
   * does no harm (reads; trees and commits are content-addressed). A ref update is not repeated
   * blindly: the caller re-reads the branch instead.
   */
  async function call<T>(method: string, path: string, body: unknown, repeatable: boolean, accept: (status: number, text: string) => T | undefined = () => undefined): Promise<T> {
    const url = `${repoUrl}/${path}`;
    const what = `${method} ${path.replace(/\?.*$/, "")}`;
    for (let retry = 0; ; retry++) {
      if (method !== "GET") await paceWrite();
      const res = await once(method, url, body);
      const last = retry >= limits.maxRetries;
      if (res === "timeout") {
        if (repeatable && !last) {
          await sleep(1000 * 2 ** retry);
          continue;
        }
        throw fail(`${what}: no answer within ${limits.timeoutMs} ms${repeatable ? ` (${retry + 1} tries)` : ""}; nothing is half-written: run the update again`, { timedOut: true });
      }
      if (res.status >= 200 && res.status < 300) return parseJson<T>(res.text, () => fail(`${what}: GitHub answered ${res.status} with a body that is not JSON`));
      const accepted = accept(res.status, res.text);
      if (accepted !== undefined) return accepted;
      const wait = rateLimitWait(res.status, res.headers, res.text, now(), retry);
      if (wait !== undefined) {
        if (wait > limits.maxWaitMs || last) {
          const when = new Date(now() + wait).toISOString();
          throw fail(`${what}: GitHub's rate limit asks to wait ${Math.ceil(wait / 1000)} s (until ${when})${last ? ` after ${retry + 1} tries` : `, longer than the ${Math.ceil(limits.maxWaitMs / 1000)} s allowed`}; nothing is half-written: run the update again after ${when}`);
        }
        await sleep(wait);
        continue;
      }
      if (res.status >= 500 && repeatable && !last) {
        await sleep(1000 * 2 ** retry);
        continue;
      }
      throw fail(`${what}: GitHub answered ${res.status}: ${githubMessage(res.text)}; ${hint(res.status, method, path, location)}`);
    }
  }

  const asEntry = (e: { path: string; mode: string; type: string; sha: string }): RemoteEntry => ({ path: e.path, mode: e.mode, type: e.type as RemoteEntry["type"], sha: e.sha });

  const client: GitDataClient = {
    async getHead() {
      return (await call<{ object: { sha: string } }>("GET", `git/ref/heads/${branchPath}`, undefined, true)).object.sha;
    },
    async getCommitTree(commitSha) {
      return (await call<{ tree: { sha: string } }>("GET", `git/commits/${commitSha}`, undefined, true)).tree.sha;
    },
    async getTree(treeSha, recursive) {
      const res = await call<{ tree: { path: string; mode: string; type: string; sha: string }[]; truncated?: boolean }>("GET", `git/trees/${treeSha}${recursive ? "?recursive=1" : ""}`, undefined, true);
      return { entries: res.tree.map(asEntry), truncated: res.truncated === true };
    },
    async createTree(baseTree, changes: TreeChange[]) {
      return (await call<{ sha: string }>("POST", "git/trees", { base_tree: baseTree, tree: changes }, true)).sha;
    },
    async createCommit(message, treeSha, parents) {
      return (await call<{ sha: string }>("POST", "git/commits", { message, tree: treeSha, parents }, true)).sha;
    },
    async updateHead(commitSha) {
      // GitHub answers 422 "Update is not a fast forward" when the branch moved since we read it.
      const moved = (status: number, text: string) => (status === 422 && /fast[- ]forward/i.test(githubMessage(text)) ? ("moved" as const) : undefined);
      try {
        const answer = await call<"moved" | object>("PATCH", `git/refs/heads/${branchPath}`, { sha: commitSha, force: false }, false, moved);
        return answer === "moved" ? "moved" : "updated";
      } catch (e) {
        // No answer to the ref update: it may have landed. The branch tells.
        if (isFleetCommitError(e) && e.timedOut && (await client.getHead()) === commitSha) return "updated";
        throw e;
      }
    },
  };
  return client;
}

function parseJson<T>(text: string, failure: () => Error): T {
  if (!text) return {} as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw failure();
  }
}

function githubMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown };
    if (typeof body.message === "string") return JSON.stringify(body.message);
  } catch {
    // not JSON: fall through
  }
  return JSON.stringify(text.slice(0, 200));
}
