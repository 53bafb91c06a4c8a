import * as path from "node:path";
import { BIN_DIR, buildEngines, EngineError } from "./build";
import { DEFAULT_DIR, DEFAULT_KUBECONFIG, startCluster, stopCluster } from "./cluster";

const USAGE = "usage: npm run cluster -- up | down | build";

async function main(command: string | undefined): Promise<number> {
  const rel = (p: string) => path.relative(process.cwd(), p) || ".";
  switch (command) {
    case "build":
      await buildEngines();
      console.log(`engines: binaries in ${rel(BIN_DIR)}/`);
      return 0;
    case "up": {
      const state = await startCluster({ dir: DEFAULT_DIR, kubeconfigPath: DEFAULT_KUBECONFIG });
      console.log(`
A real API server is running on ${state.server} (logs in ${rel(path.join(state.dir, "logs"))}/).
  export KUBECONFIG=${rel(DEFAULT_KUBECONFIG)} PATH=${rel(BIN_DIR)}:$PATH
  kubectl get crds
  npm start && kubectl apply --server-side -f out/dev/fleet/tenants/dev-euw1/app-a/objects.yaml
Stop it with: npm run cluster -- down`);
      return 0;
    }
    case "down":
      await stopCluster(DEFAULT_DIR);
      console.log("cluster: stopped");
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (e: unknown) => {
    // Engine failures are explained, not traced.
    console.error(e instanceof EngineError ? `error: ${e.message}` : e);
    process.exit(1);
  },
);
