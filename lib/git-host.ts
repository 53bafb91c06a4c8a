import { GITHUB_KNOWN_HOSTS } from "./objects/sealed-secret";
import { stackDefaults, type StackConfig } from "./stack-schema";

/** Where the fleet and the teams' repositories are: GitHub, or a GitHub Enterprise Server. */
export interface GitHost {
  /** `ssh://git@<host>[:<port>]`; a repository's clone URL is `<sshUrl>/<owner>/<name>.git`. */
  sshUrl: string;
  /** REST API base URL the GitHub provider talks to. */
  apiUrl: string;
  /** Web base URL (`https://github.com`, `https://<ghes-host>`): Flux's GitHub commit-status Provider address is `<webUrl>/<owner>/<name>`. */
  webUrl: string;
  /** known_hosts lines Flux trusts for the SSH host. */
  knownHosts: string;
}

export const GITHUB: GitHost = { sshUrl: stackDefaults.gitSshUrl, apiUrl: stackDefaults.gitApiUrl, webUrl: webUrlOf(stackDefaults.gitApiUrl), knownHosts: GITHUB_KNOWN_HOSTS };

export function gitHostOf(config: StackConfig["gitHost"]): GitHost {
  const knownHosts = config.knownHosts === undefined ? GITHUB_KNOWN_HOSTS : config.knownHosts.endsWith("\n") ? config.knownHosts : `${config.knownHosts}\n`;
  return { sshUrl: config.sshUrl, apiUrl: config.apiUrl, webUrl: webUrlOf(config.apiUrl), knownHosts };
}

/**
 * The web host of a GitHub API base URL: api.github.com serves github.com, and a GitHub Enterprise
 * Server serves its API under `/api/v3` of its own host (notification-controller derives the API
 * from the Provider address the same way).
 */
function webUrlOf(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.github.com") return "https://github.com";
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/api\/v3\/?$/, "").replace(/\/$/, "")}`;
}

export const repositoryUrl = (git: GitHost, repository: string) => `${git.sshUrl}/${repository}.git`;
