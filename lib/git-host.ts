import { GITHUB_KNOWN_HOSTS } from "./objects/sealed-secret";
import { stackDefaults, type StackConfig } from "./stack-schema";

/** Where the fleet and the teams' repositories are: GitHub, or a GitHub Enterprise Server. */
export interface GitHost {
  /** `ssh://git@<host>[:<port>]`; a repository's clone URL is `<sshUrl>/<owner>/<name>.git`. */
  sshUrl: string;
  /** REST API base URL the GitHub provider talks to. */
  apiUrl: string;
  /** known_hosts lines Flux trusts for the SSH host. */
  knownHosts: string;
}

export const GITHUB: GitHost = { sshUrl: stackDefaults.gitSshUrl, apiUrl: stackDefaults.gitApiUrl, knownHosts: GITHUB_KNOWN_HOSTS };

export function gitHostOf(config: StackConfig["gitHost"]): GitHost {
  const knownHosts = config.knownHosts === undefined ? GITHUB_KNOWN_HOSTS : config.knownHosts.endsWith("\n") ? config.knownHosts : `${config.knownHosts}\n`;
  return { sshUrl: config.sshUrl, apiUrl: config.apiUrl, knownHosts };
}

export const repositoryUrl = (git: GitHost, repository: string) => `${git.sshUrl}/${repository}.git`;
