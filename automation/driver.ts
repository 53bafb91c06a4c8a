/**
 * Orchestration over the seam: validate every selected stack → check the CLI → run the stacks
 * with bounded concurrency, retrying lock conflicts → one result per stack. Everything it touches
 * is injected, so this exact code runs in CI and under the test fakes.
 */
import type { Command } from "./args";
import { summarizeEvents, AccessGrant, NamespaceDeletion, OpCounts, ProtectedDeletion } from "./changes";
import { describeError, isCliMissing, isLockConflict } from "./failures";
import { prefixedLines } from "./lines";
import { mapWithConcurrency, RetriesExhausted, RetryPolicy, Sleep, withRetry } from "./pool";
import type { EngineCallbacks, EngineEvent, OpenStack, StackHandle } from "./seam";

/** First wait after a lock conflict; doubled per retry. Long enough for a short update to end. */
export const LOCK_RETRY_BASE_MS = 2000;

export interface DriverDeps {
  /** Formatted problems with one stack's config and the tenant files; empty when valid. */
  validate(stack: string): string[];
  openStack: OpenStack;
  /** Whether the Pulumi CLI can be found, asked before any stack is opened. */
  cliAvailable(): boolean;
  sleep: Sleep;
  stdout(line: string): void;
  stderr(line: string): void;
  /** Tenant names (e.g. from `tenants/*.yaml`) used to split `<tenant>-<cluster>` names. */
  knownTenants?: string[];
}

export interface RunRequest {
  command: Command;
  stacks: string[];
  refresh: boolean;
  concurrency: number;
  retries: number;
  projectDir: string;
}

/** Per-stack outcome; this is also the shape written to the JSON result. */
export interface StackResult {
  name: string;
  command: Command;
  status: "succeeded" | "failed";
  changes: Record<string, OpCounts>;
  tenants: string[];
  namespaceDeletions: NamespaceDeletion[];
  protectedDeletions: ProtectedDeletion[];
  /** Deploy keys giving a repository new access (first key on it, or write access): reviewers must see these. */
  accessGrants: AccessGrant[];
  error: string | null;
}

export type DeployOutcome =
  | { kind: "invalid"; problems: string[] }
  | { kind: "cli-missing" }
  | { kind: "ran"; results: StackResult[] };

/** Runs one deploy command end to end. Never throws for stack failures: they become results. */
export async function deploy(request: RunRequest, deps: DriverDeps): Promise<DeployOutcome> {
  const problems = validateAll(request.stacks, deps.validate);
  if (problems.length > 0) return { kind: "invalid", problems };
  if (!deps.cliAvailable()) return { kind: "cli-missing" };
  const runs = await mapWithConcurrency(request.stacks, request.concurrency, (s) => runStack(s, request, deps));
  if (runs.some((r) => r.cliMissing)) return { kind: "cli-missing" };
  return { kind: "ran", results: runs.map((r) => r.result) };
}

/** 1 when a stack failed or a deletion of a protected resource is planned; that needs a human. */
export function exitCodeFor(results: StackResult[]): 0 | 1 {
  const bad = results.some((r) => r.status === "failed" || r.protectedDeletions.length > 0);
  return bad ? 1 : 0;
}

/** Every problem of every stack, each once (tenant-file problems repeat across stacks). */
function validateAll(stacks: string[], validate: DriverDeps["validate"]): string[] {
  return [...new Set(stacks.flatMap((stack) => validate(stack)))];
}

interface StackRun {
  result: StackResult;
  cliMissing: boolean;
}

async function runStack(stack: string, request: RunRequest, deps: DriverDeps): Promise<StackRun> {
  const events: EngineEvent[] = [];
  const result = (error: string | null): StackResult => ({
    name: stack,
    command: request.command,
    status: error === null ? "succeeded" : "failed",
    ...changesOf(events, deps.knownTenants),
    error,
  });
  try {
    await withRetry(lockPolicy(stack, request, deps), async () => {
      events.length = 0; // an attempt that hit the lock must not leave half a summary behind
      await runOnce(stack, request, deps, (e) => events.push(e));
    });
    return { result: result(null), cliMissing: false };
  } catch (e) {
    const message = failureMessage(stack, e);
    // A missing CLI is reported once for the whole run, not once per stack.
    if (isCliMissing(e)) return { result: result(message), cliMissing: true };
    prefixedLines(`[${stack}] `, deps.stderr).push(`${request.command} failed: ${message}\n`);
    return { result: result(message), cliMissing: false };
  }
}

function changesOf(events: EngineEvent[], knownTenants: string[] | undefined) {
  const { byType, ...rest } = summarizeEvents(events, knownTenants);
  return { changes: byType, ...rest };
}

function lockPolicy(stack: string, request: RunRequest, deps: DriverDeps): RetryPolicy {
  return {
    retries: request.retries,
    baseMs: LOCK_RETRY_BASE_MS,
    sleep: deps.sleep,
    retryable: isLockConflict,
    onRetry: (retry, delayMs) =>
      deps.stderr(
        `[${stack}] stack is locked by another update; retry ${retry} of ${request.retries} in ${delayMs / 1000}s`,
      ),
  };
}

function failureMessage(stack: string, e: unknown): string {
  if (e instanceof RetriesExhausted) {
    const retries = `${e.retries} ${e.retries === 1 ? "retry" : "retries"}`;
    return `stack ${stack} is locked by another update; gave up after ${retries}`;
  }
  return describeError(e);
}

/** One attempt: select the stack, optionally refresh, run the command; output re-lined per stack. */
async function runOnce(
  stack: string,
  request: RunRequest,
  deps: DriverDeps,
  onEvent: (e: EngineEvent) => void,
): Promise<void> {
  const out = prefixedLines(`[${stack}] `, deps.stdout);
  const err = prefixedLines(`[${stack}] `, deps.stderr);
  const callbacks = (events: (e: EngineEvent) => void): EngineCallbacks => ({
    onOutput: (t) => out.push(t),
    onError: (t) => err.push(t),
    onEvent: events,
  });
  try {
    const handle = await deps.openStack(stack, request.projectDir);
    // Refresh events are not part of the change summary: only what `up` itself will do is.
    if (request.refresh) await handle.refresh(callbacks(() => undefined));
    await operation(handle, request.command)(callbacks(onEvent));
  } finally {
    out.flush();
    err.flush();
  }
}

function operation(handle: StackHandle, command: Command): (cb: EngineCallbacks) => Promise<void> {
  switch (command) {
    case "preview":
      return (cb) => handle.preview(cb);
    case "up":
      return (cb) => handle.up(cb);
    case "destroy":
      return (cb) => handle.destroy(cb);
  }
}
