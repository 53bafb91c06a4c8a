/**
 * Test doubles for the deploy driver: a fake Pulumi behind the seam that records every call,
 * replays scripted output and engine events, and fails the way the Automation API fails.
 */
import * as automation from "@pulumi/pulumi/automation";
import type { EngineCallbacks, EngineEvent, OpenStack, StackHandle } from "../../automation/seam";
import type { CliIo } from "../../automation/cli";

type OpType = automation.OpType;
type Operation = "preview" | "up" | "refresh" | "destroy";

/**
 * The API's own (internal) factory, so the errors thrown here are the very classes and messages
 * the CLI wrapper produces: a lock conflict is recognised from stderr exactly as in production.
 */
const internals = automation as unknown as {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown;
  createCommandError(result: unknown): Error;
};

/** What the Pulumi Cloud backend prints when the stack is locked by another update. */
export function lockConflict(): Error {
  const stderr = "error: [409] Conflict: Another update is currently in progress.\n";
  return internals.createCommandError(new internals.CommandResult("", stderr, 255));
}

/** What the API throws when it cannot spawn `pulumi` (no CLI on PATH). */
export function cliMissing(): Error {
  const cause = new Error("Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT");
  return internals.createCommandError(new internals.CommandResult("", cause.message, -2, cause));
}

/** A CLI failure with Pulumi-style stderr. */
export function commandFailure(stderr: string): Error {
  return internals.createCommandError(new internals.CommandResult("", stderr, 255));
}

export interface StackScript {
  /** Output chunks written during the main operation (not necessarily whole lines). */
  output?: string[];
  events?: EngineEvent[];
  /** Events emitted by a refresh (which must not end up in the change summary). */
  refreshEvents?: EngineEvent[];
  /** The first N main operations throw a lock conflict. */
  lockedTimes?: number;
  /** Thrown by the main operation (after any lock conflicts). */
  failWith?: Error;
  /** Thrown by `openStack` itself. */
  openFailsWith?: Error;
}

/** A fake Pulumi: per-stack scripts, a call log, and a gauge of concurrently running operations. */
export class FakePulumi {
  readonly calls: string[] = [];
  maxActive = 0;
  private active = 0;
  private readonly attempts = new Map<string, number>();

  /** `release` lets a test hold operations open to observe concurrency; default runs straight through. */
  constructor(
    private readonly scripts: Record<string, StackScript> = {},
    private readonly release: () => Promise<void> = () => new Promise((r) => setImmediate(r)),
  ) {}

  readonly openStack: OpenStack = async (stack, workDir) => {
    this.calls.push(`open ${stack} ${workDir}`);
    const script = this.scripts[stack] ?? {};
    if (script.openFailsWith) throw script.openFailsWith;
    return this.handle(stack, script);
  };

  private handle(stack: string, script: StackScript): StackHandle {
    const run = (op: Operation) => (cb: EngineCallbacks) => this.run(stack, op, script, cb);
    return { preview: run("preview"), up: run("up"), refresh: run("refresh"), destroy: run("destroy") };
  }

  private async run(stack: string, op: Operation, script: StackScript, cb: EngineCallbacks): Promise<void> {
    this.calls.push(`${op} ${stack}`);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await this.release();
      if (op === "refresh") (script.refreshEvents ?? []).forEach((event) => cb.onEvent(event));
      else this.playMain(stack, script, cb);
    } finally {
      this.active--;
    }
  }

  private playMain(stack: string, script: StackScript, cb: EngineCallbacks): void {
    const attempt = (this.attempts.get(stack) ?? 0) + 1;
    this.attempts.set(stack, attempt);
    if (attempt <= (script.lockedTimes ?? 0)) throw lockConflict();
    (script.output ?? []).forEach((chunk) => cb.onOutput(chunk));
    (script.events ?? []).forEach((event) => cb.onEvent(event));
    if (script.failWith) throw script.failWith;
  }
}

/** A URN the way the engine writes it; `parents` are the enclosing component types. */
export function urn(type: string, name: string, parents: string[] = [], stack = "dev"): string {
  return `urn:pulumi:${stack}::platform::${[...parents, type].join("$")}::${name}`;
}

export interface StepOptions {
  parent?: string;
  protect?: boolean;
  /** `metadata.name` of a Kubernetes object. */
  k8sName?: string;
  /** Emit as a `resOutputsEvent` instead of a `resourcePreEvent`. */
  outputs?: boolean;
  /** Inputs of the old and new state (replacing the metadata-only default). */
  inputs?: { old?: Record<string, unknown>; new?: Record<string, unknown> };
}

let sequence = 0;

/** One engine step event, shaped like the API's `EngineEvent`. */
export function step(op: OpType, resourceUrn: string, type: string, o: StepOptions = {}): EngineEvent {
  const state = (which: "old" | "new"): automation.StepEventStateMetadata => ({
    type,
    urn: resourceUrn,
    id: "",
    parent: o.parent ?? "",
    protect: o.protect,
    inputs: o.inputs?.[which] ?? (o.k8sName ? { metadata: { name: o.k8sName } } : {}),
    outputs: o.k8sName ? { metadata: { name: o.k8sName } } : {},
    provider: "",
  });
  const metadata: automation.StepEventMetadata = {
    op,
    urn: resourceUrn,
    type,
    provider: "",
    ...(op === "create" ? {} : { old: state("old") }),
    ...(op === "delete" ? {} : { new: state("new") }),
  };
  const payload = o.outputs ? { resOutputsEvent: { metadata } } : { resourcePreEvent: { metadata } };
  return { sequence: sequence++, timestamp: 0, ...payload };
}

/** A `CliIo` over a fake Pulumi and in-memory files, capturing everything written. */
export class FakeIo implements CliIo {
  readonly out: string[] = [];
  readonly err: string[] = [];
  readonly files = new Map<string, string>();
  readonly sleeps: number[] = [];
  readonly validated: string[] = [];
  cwd = "/repo";
  cliAvailable = (): boolean => this.cli;
  openStack: OpenStack;

  constructor(
    readonly pulumi: FakePulumi = new FakePulumi(),
    private readonly dirs: Record<string, string[]> = {},
    private readonly problems: Record<string, string[]> = {},
    private readonly cli = true,
  ) {
    this.openStack = pulumi.openStack;
  }

  validate = (projectDir: string, stack: string): string[] => {
    this.validated.push(`${projectDir} ${stack}`);
    return this.problems[stack] ?? [];
  };
  sleep = async (ms: number): Promise<void> => void this.sleeps.push(ms);
  stdout = (line: string): void => void this.out.push(line);
  stderr = (line: string): void => void this.err.push(line);
  listDir = (dir: string): string[] => this.dirs[dir] ?? [];
  writeFile = (file: string, content: string): void => void this.files.set(file, content);
}
