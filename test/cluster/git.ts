import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { GitServer } from "../../engines/flux";
import { tempDir } from "../helpers/fixtures";

/** A person with write access to every repository of the test Git server, pushing with real git over SSH. */
export class GitAdmin {
  private readonly key: string;
  private readonly sshCommand: string;

  constructor(private readonly server: GitServer) {
    const dir = tempDir("git-admin");
    this.key = path.join(dir, "id_ed25519");
    run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", this.key], dir);
    const knownHosts = path.join(dir, "known_hosts");
    fs.writeFileSync(knownHosts, server.knownHosts);
    this.sshCommand = `ssh -i ${this.key} -o IdentitiesOnly=yes -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes`;
    this.grant("*", "write", fs.readFileSync(`${this.key}.pub`, "utf8"));
  }

  /** Registers a key for a repository, as adding a deploy key on GitHub does. */
  grant(repository: string, mode: "read" | "write", publicKey: string): void {
    fs.appendFileSync(this.server.keys, `${repository} ${mode} ${publicKey.trim()}\n`);
  }

  /** Creates the bare repository `<owner>/<name>.git` if it does not exist. */
  create(repository: string): void {
    const dir = path.join(this.server.root, `${repository}.git`);
    if (!fs.existsSync(dir)) run("git", ["init", "-q", "--bare", "-b", "main", dir], this.server.root);
  }

  /** Replaces the branch's whole tree with `files` in one commit and pushes it; returns the commit SHA. */
  push(repository: string, files: Record<string, string>, message: string, branch = "main"): string {
    this.create(repository);
    const work = tempDir("work");
    run("git", ["init", "-q", "-b", branch], work);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      fs.writeFileSync(path.join(work, file), content);
    }
    run("git", ["add", "-A"], work);
    run("git", ["-c", "user.name=platform-tests", "-c", "user.email=tests@platform.invalid", "commit", "-q", "-m", message], work);
    run("git", ["push", "-q", "--force", `${this.server.sshUrl}/${repository}.git`, `${branch}:${branch}`], work, { GIT_SSH_COMMAND: this.sshCommand });
    return run("git", ["rev-parse", "HEAD"], work).trim();
  }
}

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}
