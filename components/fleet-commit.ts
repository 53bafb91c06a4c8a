import * as pulumi from "@pulumi/pulumi";
import { fleetPathProblems, normalizeApiUrl, normalizePrefixes } from "../lib/fleet-commit";
import { makeFleetCommitProvider, type FleetCommitLimits } from "../lib/fleet-commit-provider";
import { createGitHubClient } from "../lib/github-git-client";

export interface FleetCommitArgs {
  /** GitHub REST API base URL; GitHub Enterprise Server: `https://<host>/api/v3`. @default "https://api.github.com" */
  apiUrl?: string;
  /** Owner (user or organisation) of the fleet repository. */
  owner: string;
  /** Repository name without the owner. */
  repository: pulumi.Input<string>;
  branch: string;
  /**
   * Folders this resource owns, e.g. `clusters/<c>/`, `infrastructure/<c>/`, `tenants/<c>/`: every
   * file lies under one, and anything else found under them is removed. Two resources must never
   * own overlapping folders.
   */
  prefixes: string[];
  /** Contents by path: the whole wanted content of the owned folders. */
  files: Record<string, pulumi.Input<string>>;
  /** GitHub token with `contents: write`; kept secret, never in outputs or messages. @default the stack's github:token, else GITHUB_TOKEN */
  token?: pulumi.Input<string>;
  /** First line of each commit message, before the counts. @default "platform: update fleet" */
  commitMessage?: string;
  /**
   * On delete, remove every file under the owned folders in one commit. Off by default: Flux prunes
   * what leaves Git, so deleting this resource (a rename, a refactor) would otherwise empty a live
   * cluster; turn it on for a cluster being retired. @default false
   */
  removeOnDelete?: boolean;
  /** Pacing, time-outs and retries of the GitHub requests. @default lib/github-git-client `requestDefaults`, 5 attempts */
  limits?: FleetCommitLimits;
}

const defaults = { apiUrl: "https://api.github.com", commitMessage: "platform: update fleet", removeOnDelete: false };

/** The provider Pulumi serializes into the state: small, and made of lib/ modules only. */
export const fleetCommitProvider = makeFleetCommitProvider(createGitHubClient);

/**
 * The files of some folders of the fleet repository, written in one commit per update through
 * GitHub's Git Data API (3 content-creating requests; none when nothing changed). Each update
 * compares with the branch itself, so files changed by hand under the owned folders are rewritten,
 * and an update that stopped midway is finished by the next one.
 */
export class FleetCommit extends pulumi.dynamic.Resource {
  /** The commit the branch pointed at when the files were last known to be there. */
  declare readonly commitSha: pulumi.Output<string>;
  /** Git blob id of every committed file, by path. */
  declare readonly blobs: pulumi.Output<Record<string, string>>;
  /** Content-creating GitHub requests of the last create or update. */
  declare readonly writes: pulumi.Output<number>;

  constructor(name: string, args: FleetCommitArgs, opts?: pulumi.CustomResourceOptions) {
    super(fleetCommitProvider, name, FleetCommit.inputs(name, args), opts, "fleet", "FleetCommit");
  }

  /** Refuses bad paths before anything is registered: the keys are known even where contents are not. */
  private static inputs(name: string, args: FleetCommitArgs): pulumi.Inputs {
    const problems = fleetPathProblems(Object.keys(args.files), args.prefixes);
    if (problems.length > 0) throw new Error(`FleetCommit ${name}: ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n  - ${problems.join("\n  - ")}`);
    return {
      apiUrl: normalizeApiUrl(args.apiUrl ?? defaults.apiUrl),
      owner: args.owner,
      repository: args.repository,
      branch: args.branch,
      prefixes: normalizePrefixes(args.prefixes),
      files: args.files,
      token: args.token === undefined ? undefined : pulumi.secret(args.token),
      commitMessage: args.commitMessage ?? defaults.commitMessage,
      removeOnDelete: args.removeOnDelete ?? defaults.removeOnDelete,
      limits: args.limits,
      commitSha: undefined,
      blobs: undefined,
      writes: undefined,
    };
  }
}
