import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { EngineError } from "./build";

/**
 * The local cluster's certificates, made with the openssl CLI (node:crypto makes keys but not
 * X.509 certificates): a CA, the API server's serving certificate, client certificates for the
 * admin and the controller manager, and the key pair that signs service-account tokens.
 */
export interface Pki {
  dir: string;
  ca: string;
  caKey: string;
  serving: Pair;
  admin: Pair;
  controllerManager: Pair;
  saKey: string;
  saPub: string;
}

export interface Pair {
  cert: string;
  key: string;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync("openssl", args, { cwd, encoding: "utf8" });
  if (r.error || r.status !== 0) throw new EngineError(`openssl ${args[0]} failed: ${r.error?.message ?? r.stderr.trim()}; the local cluster needs the openssl CLI`);
}

function leaf(dir: string, name: string, subject: string, extensions: string): Pair {
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, extensions);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject], dir);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "30", "-out", `${name}.crt`, "-extfile", ext], dir);
  return { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
}

export function makePki(dir: string): Pki {
  fs.mkdirSync(dir, { recursive: true });
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=eks-gitops-local-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  const client = "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n";
  const serving = leaf(dir, "apiserver", "/CN=kube-apiserver",
    "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\n");
  // system:masters is what EKS gives the cluster creator's access entry (AmazonEKSClusterAdminPolicy).
  const admin = leaf(dir, "admin", "/O=system:masters/CN=platform-admin", client);
  const controllerManager = leaf(dir, "controller-manager", "/CN=system:kube-controller-manager", client);
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  return { dir, ca: path.join(dir, "ca.crt"), caKey: path.join(dir, "ca.key"), serving, admin, controllerManager, saKey: path.join(dir, "sa.key"), saPub: path.join(dir, "sa.pub") };
}
