/**
 * The one seam between the deploy driver and Pulumi.
 *
 * The driver only ever talks to these interfaces, so the same orchestration code runs in CI
 * (over `LocalWorkspace`, see `workspace.ts`) and in tests (over a recording fake), and no test
 * needs a Pulumi CLI, a state backend or a cloud account.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";

export type { EngineEvent };

/** Where a running operation reports to; mirrors the Automation API's own callbacks. */
export interface EngineCallbacks {
  /** Engine stdout text as it arrives; chunks may split or join lines, the driver re-lines them. */
  onOutput(text: string): void;
  /** Engine stderr text (warnings, diagnostics); same chunking caveat as `onOutput`. */
  onError?(text: string): void;
  /** Structured engine events; the change summary is built from these, never from text. */
  onEvent(event: EngineEvent): void;
}

/** The four operations the driver runs on a selected stack. Results come from events. */
export interface StackHandle {
  preview(callbacks: EngineCallbacks): Promise<void>;
  up(callbacks: EngineCallbacks): Promise<void>;
  refresh(callbacks: EngineCallbacks): Promise<void>;
  destroy(callbacks: EngineCallbacks): Promise<void>;
}

/** Selects an existing stack of the program in `workDir` (never creates one: stacks are declared in git). */
export type OpenStack = (stackName: string, workDir: string) => Promise<StackHandle>;
