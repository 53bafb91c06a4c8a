import { scopeAnnotations } from "../sealing";
import { API, tenantLabels, tenantMeta, type K8sObject } from "./meta";

/**
 * GitHub's published SSH host keys (https://api.github.com/meta, `ssh_keys`), pinned so Flux never
 * trusts a key it learnt on first use.
 */
export const GITHUB_KNOWN_HOSTS = [
  "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
  "github.com ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
  "github.com ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQCj7ndNxQowgcQnjshcLrqPEiiphnt+VTTvDP6mHBL9j1aNUkY4Ue1gvwnGLVlOhGeYrnZaMgRK6+PKCUXaDbC7qtbW8gIkhL7aGCsOr/C56SJMy/BCZfxd1nWzAOxSDPgVsmerOBYfNqltV9/hWCqBywINIR+5dIg6JTJ72pcEpEjcYgXkE2YEFXV1JHnsKgbLWNlhScqb2UmyRkQyytRLtL+38TGxkxCflmO+5Z8CSSNY7GidjMIZ7Q4zMjA2n1nGrlTDkzwDCsw+wqFPGQA179cnfGWOWRVruj16z6XyvxvjJwbz0wQZ75XK5tKSb7FNyeIEs4TT4jk+S4dhPeAUC5y+bDYirYgM4GC7uEnztnZyaVWQ7B381AK4Qdrwt51ZqExKbQpTUNn+EjqoTwvqNj4kqx5QUCI0ThS/YkOxJCXmPUWZbhjpCg56i+2aB6CmK2JGhn57K5mj0MNdBXA4/WnwH6XoPWJzK5Nyu2zB3nAZp+S5hpQs+p1vN1/wsjk=",
].join("\n") + "\n";

/**
 * A strict-scope SealedSecret in the tenant namespace: only the controller can open it, and only
 * as this name in this namespace. `sealed` holds the ciphertexts, produced by `lib/sealing.ts`.
 */
export function sealedSecret(
  t: { name: string; namespace: string },
  name: string,
  sealed: Record<string, Record<string, string>>,
): K8sObject {
  const encryptedData = sealed[name];
  if (!encryptedData) throw new Error(`no sealed values for ${t.namespace}/${name}; the component must seal every secret it declares`);
  const annotations = scopeAnnotations("strict");
  return {
    apiVersion: API.sealedSecret,
    kind: "SealedSecret",
    metadata: tenantMeta(t, name, annotations),
    spec: {
      encryptedData,
      template: { metadata: { name, namespace: t.namespace, labels: tenantLabels(t.name) }, type: "Opaque" },
    },
  };
}
