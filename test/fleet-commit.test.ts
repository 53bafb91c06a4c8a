import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import Module from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { FleetCommit, fleetCommitProvider } from "../components/fleet-commit";
import { commitWrites, fleetPathProblems, gitBlobSha, syncFleet, type FleetLocation, type SyncRequest } from "../lib/fleet-commit";
import { fleetCommitCheck, fleetCommitDiff, makeFleetCommitProvider, UNKNOWN, type FleetCommitInputs, type FleetCommitState } from "../lib/fleet-commit-provider";
import { createGitHubClient, GITHUB_API_VERSION, type FetchLike, type GitHubClientOptions } from "../lib/github-git-client";
import { fakeClock, FakeGitHub, githubFetch, scriptedFetch, type Sent } from "./helpers/fake-github";

const TOKEN = "ghp_s3cretTokenValue0123456789";
const location: FleetLocation = { apiUrl: "https://api.github.com", owner: "acme", repository: "fleet", branch: "main" };
const prefixes = ["clusters/c1/", "infrastructure/c1/", "tenants/c1/"];
const noSleep = async () => undefined;

/** One cluster's fleet files, as the builders make them. */
function clusterFiles(): Record<string, string> {
  return {
    "clusters/c1/kustomization.yaml": "resources:\n- platform.yaml\n",
    "clusters/c1/platform.yaml": "kind: Kustomization\nname: infrastructure\n",
    "infrastructure/c1/kustomization.yaml": "resources:\n- objects.yaml\n",
    "infrastructure/c1/objects.yaml": "kind: ValidatingAdmissionPolicy\n",
    "tenants/c1/kustomization.yaml": "resources:\n- app-a\n- app-b\n",
    "tenants/c1/app-a/kustomization.yaml": "resources:\n- objects.yaml\n",
    "tenants/c1/app-a/objects.yaml": "kind: Namespace\nname: app-a\n",
    "tenants/c1/app-b/kustomization.yaml": "resources:\n- objects.yaml\n",
    "tenants/c1/app-b/objects.yaml": "kind: Namespace\nname: app-b\n",
  };
}

/** What other owners keep in the fleet repository, including a folder whose name starts like ours. */
const others = { "README.md": "# fleet\n", "tenants/c2/app-a/objects.yaml": "other cluster\n", "tenants/c10/app-a/objects.yaml": "look-alike prefix\n" };

const sync = (gh: FakeGitHub, files: Record<string, string>, extra: Partial<SyncRequest> = {}) =>
  syncFleet(gh, { location, prefixes, files, messagePrefix: "platform: fleet c1", sleep: noSleep, ...extra });

function inputs(files: Record<string, string>, extra: Partial<FleetCommitInputs> = {}): FleetCommitInputs {
  return { ...location, prefixes, files, token: TOKEN, commitMessage: "platform: fleet c1", removeOnDelete: false, ...extra };
}

/** The provider over a fake repository; `env` stands in for the process environment. */
function providerOn(gh: FakeGitHub, env: Record<string, string> = {}) {
  return makeFleetCommitProvider(() => gh, (name) => env[name]);
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected a rejection");
}

describe("fleet commit: one commit per cluster and update through the Git Data API", () => {
  it("a file's blob id is the one git computes, so the branch is compared without reading contents", () => {
    for (const content of ["", "kind: Namespace\n", "ünïcödé ✓\n", "no newline"]) {
      assert.equal(gitBlobSha(content), execFileSync("git", ["hash-object", "--stdin"], { input: content }).toString().trim());
    }
  });

  it("the first write is one commit holding every file, in exactly 3 GitHub writes", async () => {
    const gh = new FakeGitHub(others);
    const before = gh.head;
    const r = await sync(gh, clusterFiles());
    assert.equal(gh.writes, 3);
    assert.equal(r.writes, 3);
    assert.equal(commitWrites(r.written.length + r.removed.length), 3);
    assert.deepEqual(gh.commitsSince(before), [r.commit]);
    assert.deepEqual(gh.files(), { ...others, ...clusterFiles() });
    assert.deepEqual(gh.treeRequests[0].map((e) => e.path).sort(), Object.keys(clusterFiles()).sort());
  });

  it("a change bigger than one tree request is a chain of trees under one commit, counted by commitWrites", async () => {
    const gh = new FakeGitHub(others);
    const before = gh.head;
    const r = await sync(gh, clusterFiles(), { maxTreeBytes: 400 });
    const trees = gh.calls.filter((c) => c.op === "createTree").length;
    assert.ok(trees > 1, `${trees} tree requests`);
    assert.ok(gh.treeRequests.every((chunk) => Buffer.byteLength(JSON.stringify({ base_tree: "0".repeat(40), tree: chunk })) <= 400));
    assert.deepEqual(gh.commitsSince(before), [r.commit]);
    assert.equal(r.writes, trees + 2);
    assert.equal(commitWrites(clusterFiles(), 400), r.writes);
    assert.deepEqual(gh.files(), { ...others, ...clusterFiles() });
  });

  it("a re-run with nothing changed writes nothing", async () => {
    const gh = new FakeGitHub(others);
    await sync(gh, clusterFiles());
    const head = gh.head;
    const r = await sync(gh, clusterFiles());
    assert.equal(gh.writes, 3, "no write after the first commit");
    assert.equal(r.writes, 0);
    assert.equal(r.commit, undefined);
    assert.equal(r.head, head);
    assert.equal(commitWrites(0), 0);
  });

  it("a one-file change is one commit whose tree entries hold only that file", async () => {
    const gh = new FakeGitHub(others);
    await sync(gh, clusterFiles());
    const before = gh.head;
    const files = { ...clusterFiles(), "tenants/c1/app-a/objects.yaml": "kind: Namespace\nname: app-a\nlabels: {}\n" };
    const r = await sync(gh, files);
    assert.equal(gh.commitsSince(before).length, 1);
    assert.deepEqual(gh.treeRequests.at(-1), [{ path: "tenants/c1/app-a/objects.yaml", mode: "100644", type: "blob", content: files["tenants/c1/app-a/objects.yaml"] }]);
    assert.deepEqual(r.written, ["tenants/c1/app-a/objects.yaml"]);
    assert.equal(r.writes, 3);
    assert.deepEqual(gh.files(), { ...others, ...files });
  });

  it("a file dropped from an owned folder is removed with a sha: null entry, and nothing else is touched", async () => {
    const gh = new FakeGitHub(others);
    await sync(gh, clusterFiles());
    const files = clusterFiles();
    delete files["tenants/c1/app-b/objects.yaml"];
    delete files["tenants/c1/app-b/kustomization.yaml"];
    await sync(gh, files);
    assert.deepEqual(gh.treeRequests.at(-1), [
      { path: "tenants/c1/app-b/kustomization.yaml", mode: "100644", type: "blob", sha: null },
      { path: "tenants/c1/app-b/objects.yaml", mode: "100644", type: "blob", sha: null },
    ]);
    assert.deepEqual(gh.files(), { ...others, ...files });
  });

  it("a path outside the owned prefixes is refused before any request, naming the path and the prefixes", async () => {
    const gh = new FakeGitHub(others);
    const bad = { ...clusterFiles(), "README.md": "mine now\n", "tenants/c10/app-a/objects.yaml": "look-alike\n", "tenants/c1/../c2/x.yaml": "escape\n" };
    const e = await rejection(sync(gh, bad));
    assert.match(e.message, /acme\/fleet \(branch main, https:\/\/api\.github\.com\): nothing was committed/);
    assert.match(e.message, /"README\.md": outside the owned prefixes "clusters\/c1\/", "infrastructure\/c1\/", "tenants\/c1\/"/);
    assert.match(e.message, /"tenants\/c10\/app-a\/objects\.yaml": outside the owned prefixes/);
    assert.match(e.message, /"tenants\/c1\/\.\.\/c2\/x\.yaml": not a relative path/);
    assert.equal(gh.calls.length, 0);
    assert.deepEqual(fleetPathProblems(["/etc/passwd"], ["tenants/c1"]), ['fleet path "/etc/passwd": not a relative path of letters, digits, ".", "_" and "-" separated by "/"']);
  });

  it("the FleetCommit resource refuses a path outside its prefixes before registering anything", () => {
    assert.throws(
      () => new FleetCommit("fleet-c1", { owner: "acme", repository: "fleet", branch: "main", prefixes, files: { "README.md": "x" } }),
      /FleetCommit fleet-c1: 1 problem:\n {2}- fleet path "README\.md": outside the owned prefixes/,
    );
  });

  it("a branch moved by another writer is re-read and the commit rebuilt on top of it", async () => {
    const gh = new FakeGitHub(others);
    gh.beforeUpdate = () => gh.push({ "README.md": "# fleet, edited meanwhile\n" });
    const slept: number[] = [];
    const r = await sync(gh, clusterFiles(), { sleep: async (ms) => void slept.push(ms) });
    assert.equal(r.attempts, 2);
    assert.equal(r.writes, 6);
    assert.deepEqual(slept, [1000]);
    assert.deepEqual(gh.files(), { ...others, "README.md": "# fleet, edited meanwhile\n", ...clusterFiles() });
    assert.equal(gh.commits.get(gh.head)!.message.split("\n")[0], "platform: fleet c1: 9 written, 0 removed");
  });

  it("a branch that keeps moving fails after the bounded tries, naming repository and branch, with ours uncommitted", async () => {
    const gh = new FakeGitHub(others);
    const bump = (): void => {
      gh.push({ "README.md": `# fleet ${gh.commits.size}\n` });
      gh.beforeUpdate = bump;
    };
    gh.beforeUpdate = bump;
    const e = await rejection(sync(gh, clusterFiles(), { maxAttempts: 3 }));
    assert.match(e.message, /^acme\/fleet \(branch main, https:\/\/api\.github\.com\): the branch moved under every one of 3 tries/);
    assert.equal(gh.files()["clusters/c1/platform.yaml"], undefined);
  });

  it("a file changed by hand under an owned folder is rewritten by the next update, alone (drift)", async () => {
    const gh = new FakeGitHub(others);
    await sync(gh, clusterFiles());
    gh.push({ "tenants/c1/app-a/objects.yaml": "kind: Namespace\nname: hijacked\n" });
    const r = await sync(gh, clusterFiles());
    assert.deepEqual(r.written, ["tenants/c1/app-a/objects.yaml"]);
    assert.deepEqual(gh.treeRequests.at(-1)!.map((e) => e.path), ["tenants/c1/app-a/objects.yaml"]);
    assert.deepEqual(gh.files(), { ...others, ...clusterFiles() });
  });

  it("a file added by hand under an owned folder is removed, and files outside the owned folders stay", async () => {
    const gh = new FakeGitHub(others);
    await sync(gh, clusterFiles());
    gh.push({ "tenants/c1/stray/objects.yaml": "kind: ClusterRoleBinding\n", "notes.md": "kept\n" });
    const r = await sync(gh, clusterFiles());
    assert.deepEqual(r.removed, ["tenants/c1/stray/objects.yaml"]);
    assert.deepEqual(gh.files(), { ...others, "notes.md": "kept\n", ...clusterFiles() });
  });

  it("files already on the branch are adopted without a commit (moving from one resource per file)", async () => {
    const gh = new FakeGitHub({ ...others, ...clusterFiles() });
    const r = await sync(gh, clusterFiles());
    assert.equal(r.writes, 0);
    assert.equal(gh.writes, 0);
  });

  it("a listing GitHub truncates is refused, saying how to split the folders", async () => {
    const gh = new FakeGitHub({ ...others, ...clusterFiles() });
    gh.truncate = true;
    const e = await rejection(sync(gh, clusterFiles()));
    assert.match(e.message, /acme\/fleet \(branch main, .*\): GitHub truncated the listing of "clusters\/c1\/".*narrower prefixes/);
    assert.equal(gh.writes, 0);
  });
});

describe("fleet commit provider: diff, state, refresh and delete", () => {
  it("diff: no change is no update; a changed file, a new folder or contents unknown in a preview are an update", () => {
    const state = { ...location, prefixes, blobs: Object.fromEntries(Object.entries(clusterFiles()).map(([p, c]) => [p, gitBlobSha(c)])), removeOnDelete: false };
    assert.deepEqual(fleetCommitDiff(state, inputs(clusterFiles())), { changes: false, replaces: [] });
    assert.deepEqual(fleetCommitDiff(state, inputs({ ...clusterFiles(), "tenants/c1/app-a/objects.yaml": "x\n" })), { changes: true, replaces: [] });
    assert.deepEqual(fleetCommitDiff(state, inputs({ ...clusterFiles(), "tenants/c1/app-c/objects.yaml": "x\n" })), { changes: true, replaces: [] });
    assert.deepEqual(fleetCommitDiff(state, inputs(clusterFiles(), { prefixes: [...prefixes, "extra/c1/"] })), { changes: true, replaces: [] });
    assert.deepEqual(fleetCommitDiff(state, inputs({ ...clusterFiles(), "tenants/c1/app-a/objects.yaml": UNKNOWN })), { changes: true, replaces: [] });
    assert.deepEqual(fleetCommitDiff(state, inputs(clusterFiles(), { removeOnDelete: true })), { changes: true, replaces: [] });
  });

  it("diff: a new token, commit message or pacing alone is no update; another repository, branch or API is a replacement", () => {
    const state = { ...location, prefixes, blobs: Object.fromEntries(Object.entries(clusterFiles()).map(([p, c]) => [p, gitBlobSha(c)])), removeOnDelete: false };
    assert.equal(fleetCommitDiff(state, inputs(clusterFiles(), { token: "ghp_other", commitMessage: "other", limits: { writeIntervalMs: 5 } })).changes, false);
    assert.equal(fleetCommitDiff(state, inputs(clusterFiles(), { apiUrl: "https://api.github.com/", owner: "ACME" })).changes, false);
    assert.deepEqual(fleetCommitDiff(state, inputs(clusterFiles(), { repository: "fleet2", branch: "gitops" })), { changes: true, replaces: ["repository", "branch"] });
    assert.deepEqual(fleetCommitDiff(state, inputs(clusterFiles(), { apiUrl: "https://ghe.example.com/api/v3" })).replaces, ["apiUrl"]);
  });

  it("check reports paths outside the owned folders and an API URL that is not one", () => {
    const failures = fleetCommitCheck(inputs({ "README.md": "x" }, { apiUrl: "ghe.example.com" }));
    assert.deepEqual(failures.map((f) => f.property), ["apiUrl", "files"]);
    assert.match(failures[1].reason, /"README\.md": outside the owned prefixes/);
    assert.deepEqual(fleetCommitCheck(inputs(clusterFiles(), { repository: UNKNOWN })), []);
  });

  it("the state keeps one blob id per path, never file contents or the token", async () => {
    const gh = new FakeGitHub(others);
    const created = await providerOn(gh).create(inputs(clusterFiles()));
    const outs = created.outs!;
    const text = JSON.stringify(outs);
    for (const content of Object.values(clusterFiles())) assert.ok(!text.includes(JSON.stringify(content).slice(1, -1)), `content ${content} in state`);
    assert.ok(!text.includes(TOKEN));
    assert.deepEqual(Object.keys(outs.blobs).sort(), Object.keys(clusterFiles()).sort());
    assert.ok(Object.values(outs.blobs).every((sha) => /^[0-9a-f]{40}$/.test(sha)));
    assert.equal(outs.commitSha, gh.head);
    assert.equal(outs.writes, 3);
    assert.equal(created.id, "acme/fleet@main:clusters/c1/,infrastructure/c1/,tenants/c1/");
  });

  it("commits to one branch from several resources in one process take turns and never retry", async () => {
    const gh = new FakeGitHub(others);
    const provider = providerOn(gh);
    const c2 = Object.fromEntries(Object.entries(clusterFiles()).map(([p, c]) => [p.replace(/c1\//, "c2/"), c]));
    const [a, b] = await Promise.all([
      provider.create(inputs(clusterFiles())),
      provider.create(inputs(c2, { prefixes: prefixes.map((p) => p.replace("c1/", "c2/")) })),
    ]);
    assert.equal(a.outs!.writes + b.outs!.writes, 6, "two commits, no retried tree or commit");
    assert.deepEqual(gh.files(), { ...others, ...clusterFiles(), ...c2 });
  });

  it("refresh records the blob ids on the branch, so a hand edit becomes a diff and the update restores only that file", async () => {
    const gh = new FakeGitHub(others);
    const provider = providerOn(gh, { GITHUB_TOKEN: TOKEN });
    const outs = (await provider.create(inputs(clusterFiles()))).outs!;
    gh.push({ "tenants/c1/app-a/objects.yaml": "edited by hand\n", "tenants/c1/stray.yaml": "added by hand\n" });
    const read = await provider.read!("id", outs);
    const refreshed = read.props as FleetCommitState;
    assert.equal(refreshed.commitSha, gh.head);
    assert.equal(refreshed.blobs["tenants/c1/app-a/objects.yaml"], gitBlobSha("edited by hand\n"));
    assert.equal(refreshed.blobs["tenants/c1/stray.yaml"], gitBlobSha("added by hand\n"));
    assert.equal(fleetCommitDiff(refreshed, inputs(clusterFiles())).changes, true);
    const updated = await provider.update!("id", refreshed, inputs(clusterFiles()));
    assert.equal(updated.outs!.writes, 3);
    assert.deepEqual(gh.treeRequests.at(-1)!.map((e) => e.path), ["tenants/c1/app-a/objects.yaml", "tenants/c1/stray.yaml"]);
    assert.deepEqual(gh.files(), { ...others, ...clusterFiles() });
  });

  it("delete keeps the files unless removeOnDelete is set, then removes every owned path in one commit", async () => {
    const gh = new FakeGitHub(others);
    const provider = providerOn(gh, { GITHUB_TOKEN: TOKEN });
    const kept = (await provider.create(inputs(clusterFiles()))).outs!;
    const calls = gh.calls.length;
    await provider.delete!("id", kept);
    assert.equal(gh.calls.length, calls, "no request at all");
    const removed = (await provider.update!("id", kept, inputs(clusterFiles(), { removeOnDelete: true }))).outs!;
    const before = gh.head;
    await provider.delete!("id", removed);
    assert.equal(gh.commitsSince(before).length, 1);
    assert.ok(gh.treeRequests.at(-1)!.every((e) => "sha" in e && e.sha === null));
    assert.deepEqual(gh.files(), others);
    assert.match(gh.commits.get(gh.head)!.message, /^platform: fleet c1 \(removed\): 0 written, 9 removed/);
  });

  it("refresh and delete without any token fail naming the repository and both ways to give one", async () => {
    const gh = new FakeGitHub(others);
    const provider = providerOn(gh);
    const outs = (await provider.create(inputs(clusterFiles(), { removeOnDelete: true }))).outs!;
    for (const e of [await rejection(provider.read!("id", outs)), await rejection(provider.delete!("id", outs))]) {
      assert.match(e.message, /^acme\/fleet \(branch main, https:\/\/api\.github\.com\): cannot (refresh|remove the fleet files) without a GitHub token: set the secret config github:token or GITHUB_TOKEN$/);
    }
  });

  it("the stack's github:token given to configure serves refresh", async () => {
    const gh = new FakeGitHub(others);
    const seen: string[] = [];
    const provider = makeFleetCommitProvider((o) => (seen.push(o.token), gh), () => undefined);
    const outs = (await provider.create(inputs(clusterFiles()))).outs!;
    await provider.configure!({ config: { get: (k: string) => (k === "github:token" ? "ghp_from_config" : undefined), require: () => "" } });
    await provider.read!("id", outs);
    assert.deepEqual(seen, [TOKEN, "ghp_from_config"]);
  });
});

describe("GitHub client: requests, pacing, rate limits, time-outs and secrets", () => {
  let n = 0;
  /** Each test its own API host, so the process-wide write pace of one never delays another. */
  const api = () => `https://ghe-${++n}.example.com/api/v3`;
  const clientOf = (o: Partial<GitHubClientOptions> & { fetch: FetchLike; apiUrl: string }) => {
    const clock = fakeClock();
    return { clock, client: createGitHubClient({ location: { ...location, apiUrl: o.apiUrl }, token: TOKEN, sleep: clock.sleep, now: clock.now, ...o }) };
  };

  it("the real client speaks the Git Data API: method, URL, Authorization, API version and JSON body", async () => {
    const base = api();
    const gh = new FakeGitHub(others);
    const sent: Sent[] = [];
    const { client } = clientOf({ apiUrl: `${base}/`, fetch: githubFetch(gh, base, "acme", "fleet", "main", sent) });
    const head = gh.head;
    const r = await syncFleet(client, { location, prefixes: ["tenants/c1/"], files: { "tenants/c1/app-a/objects.yaml": "kind: Namespace\n" }, messagePrefix: "platform: fleet c1", sleep: noSleep });
    const repo = `${base}/repos/acme/fleet`;
    const baseTree = gh.commits.get(head)!.tree;
    assert.deepEqual(sent.map((s) => `${s.method} ${s.url}`), [
      `GET ${repo}/git/ref/heads/main`,
      `GET ${repo}/git/commits/${head}`,
      `GET ${repo}/git/trees/${baseTree}`,
      `GET ${repo}/git/trees/${gh.trees.get(baseTree)!.get("tenants")!.sha}`,
      `POST ${repo}/git/trees`,
      `POST ${repo}/git/commits`,
      `PATCH ${repo}/git/refs/heads/main`,
    ]);
    for (const s of sent) {
      assert.equal(s.headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(s.headers["x-github-api-version"], GITHUB_API_VERSION);
      assert.equal(s.headers.accept, "application/vnd.github+json");
      assert.ok(s.headers["user-agent"]);
      assert.equal(s.headers["content-type"], s.method === "GET" ? undefined : "application/json");
    }
    assert.deepEqual(sent[4].body, { base_tree: baseTree, tree: [{ path: "tenants/c1/app-a/objects.yaml", mode: "100644", type: "blob", content: "kind: Namespace\n" }] });
    assert.deepEqual(sent[5].body, { message: gh.commits.get(r.commit!)!.message, tree: gh.commits.get(r.commit!)!.tree, parents: [head] });
    assert.deepEqual(sent[6].body, { sha: r.commit, force: false });
    assert.equal(gh.head, r.commit);
  });

  it("a branch name with a slash keeps its slash in the ref URL", async () => {
    const base = api();
    const sent: Sent[] = [];
    const gh = new FakeGitHub(others);
    const client = createGitHubClient({ location: { ...location, apiUrl: base, branch: "fleet/prod" }, token: TOKEN, fetch: githubFetch(gh, base, "acme", "fleet", "fleet/prod", sent) });
    await client.getHead();
    assert.equal(sent[0].url, `${base}/repos/acme/fleet/git/ref/heads/fleet/prod`);
  });

  it("a rate-limited request waits as GitHub says (Retry-After, then x-ratelimit-reset) and is retried", async () => {
    const base = api();
    const gh = new FakeGitHub(others);
    const start = 1_700_000_000_000;
    const { client, clock } = clientOf({
      apiUrl: base,
      fetch: scriptedFetch([
        { status: 429, body: { message: "slow down" }, headers: { "retry-after": "7" } },
        { status: 403, body: { message: "API rate limit exceeded" }, headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(start / 1000 + 7 + 30) } },
      ], githubFetch(gh, base, "acme", "fleet", "main")),
    });
    assert.equal(await client.getHead(), gh.head);
    assert.deepEqual(clock.slept, [7_000, 31_000], "Retry-After seconds, then until the reset plus a second");
  });

  it("a secondary rate limit without headers waits at least a minute, doubling", async () => {
    const base = api();
    const gh = new FakeGitHub(others);
    const limited = { status: 403, body: { message: "You have exceeded a secondary rate limit." } };
    const { client, clock } = clientOf({ apiUrl: base, fetch: scriptedFetch([limited, limited], githubFetch(gh, base, "acme", "fleet", "main")) });
    await client.getHead();
    assert.deepEqual(clock.slept, [60_000, 120_000]);
  });

  it("a rate limit longer than the longest allowed wait fails with the time to come back, naming repository and branch", async () => {
    const base = api();
    const { client, clock } = clientOf({
      apiUrl: base,
      limits: { maxWaitMs: 60_000 },
      fetch: scriptedFetch([{ status: 429, body: { message: "slow down" }, headers: { "retry-after": "3600" } }]),
    });
    const e = await rejection(client.getHead());
    assert.equal(e.message, `acme/fleet (branch main, ${base}): GET git/ref/heads/main: GitHub's rate limit asks to wait 3600 s (until 2023-11-14T23:13:20.000Z), longer than the 60 s allowed; nothing is half-written: run the update again after 2023-11-14T23:13:20.000Z`);
    assert.deepEqual(clock.slept, []);
  });

  it("content-creating requests are spaced by writeIntervalMs; reads are not", async () => {
    const base = api();
    const gh = new FakeGitHub(others);
    const clock = fakeClock();
    const at: { method: string; t: number }[] = [];
    const route = githubFetch(gh, base, "acme", "fleet", "main");
    const client = createGitHubClient({
      location: { ...location, apiUrl: base }, token: TOKEN, sleep: clock.sleep, now: clock.now, limits: { writeIntervalMs: 1_000 },
      fetch: async (url, init) => (at.push({ method: init.method, t: clock.now() }), route(url, init)),
    });
    await syncFleet(client, { location, prefixes, files: clusterFiles(), messagePrefix: "platform", sleep: noSleep });
    const writes = at.filter((a) => a.method !== "GET").map((a) => a.t);
    assert.equal(writes.length, 3);
    assert.deepEqual(writes.slice(1).map((t, i) => t - writes[i]), [1_000, 1_000]);
    assert.equal(clock.slept.length, 2, "reads never wait");
  });

  it("a request with no answer within the time-out fails naming repository, branch and the time-out", async () => {
    const base = api();
    const { client, clock } = clientOf({ apiUrl: base, limits: { timeoutMs: 5, maxRetries: 1 }, fetch: scriptedFetch(["hang", "hang"]) });
    const e = await rejection(client.getHead());
    assert.equal(e.message, `acme/fleet (branch main, ${base}): GET git/ref/heads/main: no answer within 5 ms (2 tries); nothing is half-written: run the update again`);
    assert.deepEqual(clock.slept, [1_000], "one back-off before the retry");
  });

  it("a ref update with no answer counts as done when the branch shows our commit, and is never repeated blindly", async () => {
    const base = api();
    const gh = new FakeGitHub(others);
    const route = githubFetch(gh, base, "acme", "fleet", "main");
    let patches = 0;
    const { client } = clientOf({
      apiUrl: base, limits: { timeoutMs: 5 },
      fetch: async (url, init) => {
        if (init.method !== "PATCH") return route(url, init);
        patches++;
        await route(url, init); // lands, but the answer is lost
        return scriptedFetch(["hang"])(url, init);
      },
    });
    const r = await syncFleet(client, { location, prefixes, files: clusterFiles(), messagePrefix: "platform", sleep: noSleep });
    assert.equal(patches, 1);
    assert.equal(gh.head, r.commit);
  });

  it("a missing branch is reported with the repository and how to fix it", async () => {
    const base = api();
    const { client } = clientOf({ apiUrl: base, fetch: scriptedFetch([{ status: 404, body: { message: "Not Found" } }]) });
    const e = await rejection(client.getHead());
    assert.equal(e.message, `acme/fleet (branch main, ${base}): GET git/ref/heads/main: GitHub answered 404: "Not Found"; branch main does not exist, or the token cannot see acme/fleet`);
  });

  it("a server error on a read is retried; a protected branch refusing the ref update is not, and says so", async () => {
    const base = api();
    const gh = new FakeGitHub(others);
    const { client, clock } = clientOf({ apiUrl: base, fetch: scriptedFetch([{ status: 502, body: "Bad Gateway" }], githubFetch(gh, base, "acme", "fleet", "main")) });
    assert.equal(await client.getHead(), gh.head);
    assert.deepEqual(clock.slept, [1_000]);
    const refused = clientOf({ apiUrl: base, fetch: scriptedFetch([{ status: 422, body: { message: "Protected branch update failed for refs/heads/main." } }]) });
    const e = await rejection(refused.client.updateHead("abc"));
    assert.match(e.message, /PATCH git\/refs\/heads\/main: GitHub answered 422: "Protected branch update failed for refs\/heads\/main\."; branch protection refuses direct updates of main/);
  });

  it("the token never appears in an error message", async () => {
    const base = api();
    const echo = { status: 401, body: { message: `Bad credentials: Bearer ${TOKEN}` } };
    const cases: [string, () => Promise<unknown>][] = [
      ["401 echoing the token", () => clientOf({ apiUrl: base, fetch: scriptedFetch([echo]) }).client.getHead()],
      ["network error quoting the token", () => clientOf({ apiUrl: base, fetch: scriptedFetch([new Error(`connect ECONNREFUSED (authorization: ${TOKEN})`)]) }).client.createTree("t", [])],
      ["time-out", () => clientOf({ apiUrl: base, limits: { timeoutMs: 5, maxRetries: 0 }, fetch: scriptedFetch(["hang"]) }).client.getHead()],
      ["rate limit too long", () => clientOf({ apiUrl: base, limits: { maxRetries: 0 }, fetch: scriptedFetch([{ status: 429, body: {}, headers: { "retry-after": "5" } }]) }).client.getHead()],
      ["provider create", () => makeFleetCommitProvider((o) => createGitHubClient({ ...o, fetch: scriptedFetch([echo]) })).create(inputs(clusterFiles()))],
      ["provider with a client that leaks", () => makeFleetCommitProvider(() => ({ getHead: async () => { throw new Error(`boom ${TOKEN}`); } }) as never).create(inputs(clusterFiles()))],
    ];
    for (const [what, run] of cases) {
      const e = await rejection(run());
      assert.ok(!e.message.includes(TOKEN), `${what}: ${e.message}`);
      assert.ok(!(e.stack ?? "").includes(TOKEN), `${what}: stack`);
      if (what !== "provider with a client that leaks") assert.match(e.message, /acme\/fleet \(branch main, /, what);
    }
  });
});

describe("fleet commit provider under Pulumi's function serialization", () => {
  it("the provider survives serialization, requires only Node built-ins, and commits through global fetch", async () => {
    const sf = await pulumi.runtime.serializeFunction(() => fleetCommitProvider, { allowSecrets: true });
    assert.equal(sf.containsSecrets, false);
    assert.deepEqual([...new Set(sf.text.match(/require\("[^"]+"\)/g))], ['require("crypto")']);
    // Load it the way Pulumi's dynamic provider host does: a module from a string, then `handler()`.
    const m = new (Module as unknown as new (id: string) => { paths: string[]; exports: { handler(): typeof fleetCommitProvider }; _compile(text: string, file: string): void })("fleet-commit-provider");
    m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(process.cwd());
    m._compile(sf.text, "fleet-commit-provider.js");
    const provider = m.exports.handler();

    const base = "https://serialized.example.com/api/v3";
    const gh = new FakeGitHub(others);
    const sent: Sent[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = githubFetch(gh, base, "acme", "fleet", "main", sent) as unknown as typeof fetch;
    try {
      const news = inputs(clusterFiles(), { apiUrl: base, limits: { writeIntervalMs: 0 } });
      const created = await provider.create(news);
      assert.equal(created.outs!.writes, 3);
      assert.deepEqual(gh.files(), { ...others, ...clusterFiles() });
      assert.ok(sent.every((s) => s.headers.authorization === `Bearer ${TOKEN}`));
      assert.deepEqual(await provider.diff!("id", created.outs!, news), { changes: false, replaces: [] });
      const refused = await rejection(provider.create(inputs({ "README.md": "x" }, { apiUrl: base })));
      assert.equal(refused.name, "FleetCommitError");
      assert.match(refused.message, /"README\.md": outside the owned prefixes/);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
