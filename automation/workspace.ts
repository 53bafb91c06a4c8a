/**
 * The production side of the seam: `LocalWorkspace` over the Pulumi CLI, plus the up-front check
 * that the CLI exists. Deliberately thin, because nothing here runs in tests.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import type { EngineCallbacks, OpenStack, StackHandle } from "./seam";

/**
 * Selects the stack with the CLI program in `workDir`. `selectStack` rather than `createOrSelect`:
 * a typo in a stack name must fail, not silently create an empty stack that `up` then fills.
 */
export const openLocalStack: OpenStack = async (stackName, workDir): Promise<StackHandle> => {
  const stack = await LocalWorkspace.selectStack({ stackName, workDir });
  return {
    preview: async (cb) => void (await stack.preview(engineOptions(cb))),
    up: async (cb) => void (await stack.up(engineOptions(cb))),
    refresh: async (cb) => void (await stack.refresh(engineOptions(cb))),
    destroy: async (cb) => void (await stack.destroy(engineOptions(cb))),
  };
};

/** Passes only the callbacks through, so no other option can reach the CLI by accident. */
function engineOptions(cb: EngineCallbacks): EngineCallbacks {
  return { onOutput: cb.onOutput, onError: cb.onError, onEvent: cb.onEvent };
}

/**
 * True when an executable `pulumi` is on PATH. Checked before any stack is opened because the
 * Automation API's own failure is a multi-line `CommandError` that buries the actual cause.
 */
export function pulumiOnPath(env: NodeJS.ProcessEnv = process.env): boolean {
  const names = process.platform === "win32" ? ["pulumi.exe", "pulumi.cmd", "pulumi"] : ["pulumi"];
  const dirs = (env.PATH ?? "").split(path.delimiter).filter((d) => d.length > 0);
  return dirs.some((dir) => names.some((name) => isExecutable(path.join(dir, name))));
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
