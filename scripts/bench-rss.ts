/**
 * Preloaded (`-r`) into a plan run by `npm run bench` when `/usr/bin/time` is missing: writes the
 * process's peak resident set size to the file named by BENCH_RSS_FILE when the process exits.
 */
import * as fs from "node:fs";

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    // resourceUsage().maxRSS is in kilobytes, like /usr/bin/time's "Maximum resident set size".
    fs.writeFileSync(file, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS }));
  });
}
