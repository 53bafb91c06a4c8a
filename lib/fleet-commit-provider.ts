import type * as dynamic from "@pulumi/pulumi/dynamic";
import { blobShas, branchKey, describeLocation, fleetCommitError, fleetPathProblems, inTurn, normalizeApiUrl, normalizePrefixes, readFleet, syncFleet, type FleetLocation, type GitDataClient, type SyncResult } from "./fleet-commit";
import { redact, type RequestLimits } from "./github-git-client";

/**
 * The operations of the `FleetCommit` dynamic provider, over an injected client factory: the
 * component passes the real GitHub client, tests a fake. Pulumi serializes the provider object
 * (function serialization), so this module captures only lib/ modules and Node built-ins; its
 * `import type` of the Pulumi SDK leaves nothing at run time.
 */

/** Pacing and retries of one fleet commit, all optional. */
export type FleetCommitLimits = Partial<RequestLimits> & {
  /** Tries when another writer moves the branch between our read and our update. @default 5 */
  maxAttempts?: number;
  /** Largest tree request body in bytes; more content is a chain of trees under one commit. @default 2000000 */
  maxTreeBytes?: number;
};

/** Inputs as the provider receives them (Pulumi has resolved every Output; secrets are plain here). */
export interface FleetCommitInputs extends FleetLocation {
  prefixes: string[];
  /** Contents by path. Held once in the state, as inputs; the outputs keep blob ids only. */
  files: Record<string, string>;
  token?: string;
  commitMessage: string;
  removeOnDelete: boolean;
  limits?: FleetCommitLimits;
}

/**
 * The outputs Pulumi keeps: where, what is owned, and the blob id of every file last committed (40
 * hex digits a path, never contents or the token). `diff` compares them with the new contents;
 * refresh replaces them with the blob ids on the branch, so drift becomes a diff.
 */
export interface FleetCommitState extends FleetLocation {
  prefixes: string[];
  blobs: Record<string, string>;
  /** The commit the branch pointed at when our files were last known to be there. */
  commitSha: string;
  /** Content-creating GitHub requests the last create or update made (0 when nothing changed, 3 for one commit). */
  writes: number;
  commitMessage: string;
  removeOnDelete: boolean;
  limits?: FleetCommitLimits;
}

/** Makes a client for one branch; the real one is `createGitHubClient`. */
export type Connect = (o: { location: FleetLocation; token: string; limits?: FleetCommitLimits }) => GitDataClient;

/** How Pulumi hands an unknown value (a preview of a not-yet-computed Output) to a dynamic provider. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const LOCATION_KEYS = ["apiUrl", "owner", "repository", "branch"] as const;

function sameLocationValue(key: (typeof LOCATION_KEYS)[number], a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return a === b;
  if (key === "apiUrl") return normalizeApiUrl(a).toLowerCase() === normalizeApiUrl(b).toLowerCase();
  return key === "branch" ? a === b : a.toLowerCase() === b.toLowerCase();
}

/**
 * Pure: no request. Another repository, branch or API replaces the resource; otherwise there is an
 * update exactly when a file's blob id, the owned prefixes or the delete behaviour changed, or a
 * content is still unknown. A new token, message or pacing alone changes nothing.
 */
export function fleetCommitDiff(olds: Partial<FleetCommitState>, news: FleetCommitInputs): { changes: boolean; replaces: string[] } {
  const replaces = LOCATION_KEYS.filter((k) => !sameLocationValue(k, olds[k], news[k]));
  const files = news.files as unknown;
  const unknown = files === UNKNOWN || (news.prefixes as unknown) === UNKNOWN || Object.values(news.files).some((c) => c === UNKNOWN);
  if (replaces.length > 0 || unknown) return { changes: true, replaces };
  const oldBlobs = olds.blobs ?? {};
  const paths = Object.keys(news.files);
  const sameFiles = paths.length === Object.keys(oldBlobs).length && Object.entries(blobShas(news.files)).every(([p, sha]) => oldBlobs[p] === sha);
  const samePrefixes = normalizePrefixes(olds.prefixes ?? []).join("\n") === normalizePrefixes(news.prefixes).join("\n");
  return { changes: !sameFiles || !samePrefixes || (olds.removeOnDelete ?? false) !== news.removeOnDelete, replaces: [] };
}

/** Pure: every input problem, as Pulumi check failures (property, reason). */
export function fleetCommitCheck(news: FleetCommitInputs): { property: string; reason: string }[] {
  const failures: { property: string; reason: string }[] = [];
  for (const key of LOCATION_KEYS) {
    const v = news[key] as unknown;
    if (v !== UNKNOWN && (typeof v !== "string" || v.trim() === "")) failures.push({ property: key, reason: `${key} must be a non-empty string` });
  }
  if (typeof news.apiUrl === "string" && news.apiUrl !== UNKNOWN && !/^https?:\/\/[^\s/]+/.test(news.apiUrl)) {
    failures.push({ property: "apiUrl", reason: `apiUrl ("${news.apiUrl}") must be an http(s) URL such as https://api.github.com or https://ghe.example.com/api/v3` });
  }
  if ((news.files as unknown) !== UNKNOWN && (news.prefixes as unknown) !== UNKNOWN) {
    for (const reason of fleetPathProblems(Object.keys(news.files ?? {}), news.prefixes ?? [])) failures.push({ property: "files", reason });
  }
  return failures;
}

function locationOf(x: FleetLocation): FleetLocation {
  return { apiUrl: normalizeApiUrl(x.apiUrl), owner: x.owner, repository: x.repository, branch: x.branch };
}

function stateOf(news: FleetCommitInputs, result: SyncResult): FleetCommitState {
  return {
    ...locationOf(news),
    prefixes: normalizePrefixes(news.prefixes),
    blobs: result.blobs,
    commitSha: result.head,
    writes: result.writes,
    commitMessage: news.commitMessage,
    removeOnDelete: news.removeOnDelete,
    ...(news.limits ? { limits: news.limits } : {}),
  };
}

/**
 * The provider. The token comes from the `token` input, else the stack's `github:token`, else
 * `GITHUB_TOKEN`; refresh and delete see only outputs, which never hold it, so they use the latter
 * two. Commits to one branch take turns within the process.
 */
export function makeFleetCommitProvider(connect: Connect, env: (name: string) => string | undefined = (n) => process.env[n]): dynamic.ResourceProvider<FleetCommitInputs, FleetCommitState> {
  const configured: { token?: string } = {};
  const tokenFor = (input: string | undefined, location: FleetLocation, doing: string): string => {
    const token = input || configured.token || env("GITHUB_TOKEN");
    if (!token) throw fleetCommitError(`${describeLocation(location)}: cannot ${doing} without a GitHub token: set the secret config github:token or GITHUB_TOKEN`);
    return token;
  };
  // Whatever fails below, the token never leaves in a message.
  const guarded = async <T>(token: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw fleetCommitError(redact(message, token));
    }
  };
  const commit = (news: FleetCommitInputs) => {
    const location = locationOf(news);
    const token = tokenFor(news.token, location, "commit");
    return guarded(token, () => inTurn(branchKey(location), () =>
      syncFleet(connect({ location, token, limits: news.limits }), { location, prefixes: news.prefixes, files: news.files, messagePrefix: news.commitMessage, maxAttempts: news.limits?.maxAttempts, maxTreeBytes: news.limits?.maxTreeBytes }),
    ));
  };
  return {
    async configure(req) {
      configured.token = req.config.get("github:token") || undefined;
    },
    async check(_olds, news) {
      return { failures: fleetCommitCheck(news) };
    },
    async diff(_id, olds, news) {
      return fleetCommitDiff(olds, news);
    },
    async create(news) {
      const result = await commit(news);
      const l = locationOf(news);
      return { id: `${l.owner}/${l.repository}@${l.branch}:${normalizePrefixes(news.prefixes).join(",")}`, outs: stateOf(news, result) };
    },
    async update(_id, _olds, news) {
      return { outs: stateOf(news, await commit(news)) };
    },
    async read(id, props) {
      if (!props) return { id };
      const location = locationOf(props);
      const token = tokenFor(undefined, location, "refresh");
      const live = await guarded(token, () => readFleet(connect({ location, token, limits: props.limits }), location, props.prefixes));
      return { id, props: { ...props, blobs: live.blobs, commitSha: live.head } };
    },
    async delete(_id, props) {
      // Retained by default: Flux prunes whatever leaves Git, so a rename or refactor must never empty a cluster.
      if (!props.removeOnDelete) return;
      const location = locationOf(props);
      const token = tokenFor(undefined, location, "remove the fleet files");
      await guarded(token, () => inTurn(branchKey(location), () =>
        syncFleet(connect({ location, token, limits: props.limits }), { location, prefixes: props.prefixes, files: {}, messagePrefix: `${props.commitMessage} (removed)`, maxAttempts: props.limits?.maxAttempts, maxTreeBytes: props.limits?.maxTreeBytes }),
      ));
    },
  };
}
