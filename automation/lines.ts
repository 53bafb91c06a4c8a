/**
 * Re-lines engine output. The Automation API hands over stdout in arbitrary chunks; prefixing
 * chunks would tag half-lines and interleave stacks mid-line in the CI log, so whole lines are
 * emitted and the remainder waits for the next chunk (or `flush` at the end).
 */
export interface LineSink {
  push(text: string): void;
  /** Emits a trailing partial line, if any. Call once the operation has ended. */
  flush(): void;
}

/** A sink that writes every complete line as `<prefix><line>`. */
export function prefixedLines(prefix: string, write: (line: string) => void): LineSink {
  let pending = "";
  return {
    push(text) {
      const parts = (pending + text).split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const line of parts) write(prefix + line);
    },
    flush() {
      if (pending.length > 0) write(prefix + pending);
      pending = "";
    },
  };
}
