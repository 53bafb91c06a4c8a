/**
 * Offline stand-ins for `@pulumi/tls` `PrivateKey` resources.
 *
 * The offline plan runs the Pulumi program under mocks, but much of what it renders (SSH deploy keys,
 * SealedSecrets, fingerprints) is only meaningful if the keys are real. Random keys would make every
 * plan differ, so stand-ins are derived from the resource name: the same name gives a byte-identical
 * key on every run and every machine. They are never used by `pulumi up`.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The generated outputs of a `@pulumi/tls` `PrivateKey`, under the provider's property names and in
 * its formats. `rsaBits` and `ecdsaCurve` are left out: they are inputs the mock echoes back, not
 * generated key material.
 */
export interface TlsPrivateKeyOutputs {
  algorithm: "RSA" | "ECDSA" | "ED25519";
  /** RSA: PKCS#1, ECDSA: SEC 1, ED25519: PKCS#8, as the provider emits them. */
  privateKeyPem: string;
  privateKeyPemPkcs8: string;
  /** Unencrypted `openssh-key-v1`, empty comment. */
  privateKeyOpenssh: string;
  publicKeyPem: string;
  /** Authorized-keys line, ending in a newline like the provider's. */
  publicKeyOpenssh: string;
  /** `SHA256:` and unpadded base64, as `ssh-keygen -l` prints it. */
  publicKeyFingerprintSha256: string;
  /** Colon-separated hex, as `ssh-keygen -l -E md5` prints it (without its `MD5:` prefix). */
  publicKeyFingerprintMd5: string;
}

/** Stand-in Sealed Secrets certificate for the offline plan; see `standin/README.md`. */
export const STANDIN_SEALING_CERT_PEM = fs.readFileSync(path.join(__dirname, "standin", "sealing-cert.pem"), "utf8");
/** The private key of {@link STANDIN_SEALING_CERT_PEM}; deliberately public, it protects nothing. */
export const STANDIN_SEALING_KEY_PEM = fs.readFileSync(path.join(__dirname, "standin", "sealing-key.pem"), "utf8");

/** ASN.1 PKCS#8 header for an Ed25519 private key (RFC 8410); the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
/** ASN.1 SubjectPublicKeyInfo header for an Ed25519 public key (RFC 8410); the 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
/** Order of the P-256 group; a private scalar must lie in [1, n - 1]. */
const P256_ORDER = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
const P256_SCALAR_BYTES = 32;
/** OpenSSH pads the private section to the cipher block size, which is 8 for cipher "none". */
const OPENSSH_BLOCK_SIZE = 8;
const OPENSSH_MAGIC = Buffer.from("openssh-key-v1\0", "latin1");
/** Go's `encoding/pem`, which the provider uses, wraps base64 at 64 columns. */
const PEM_LINE_WIDTH = 64;

/** The public half in SSH wire format plus the key-type-specific private fields that follow it. */
interface SshKeyParts {
  type: string;
  publicWire: Buffer;
  /** Private section fields after the key type, up to (not including) the comment. */
  privateFields: Buffer[];
}

/**
 * A deterministic stand-in for `new tls.PrivateKey(name, { algorithm })`. ED25519 and ECDSA (P-256)
 * keys are derived from the name, so different names get different keys. RSA always returns the
 * committed stand-in sealing key: generating RSA keys from a seed would need a hand-written prime
 * search, and the plan only needs RSA for sealing, where it must match the committed certificate.
 */
export function standinKeyFor(name: string, algorithm: string): TlsPrivateKeyOutputs {
  const seed = crypto.createHash("sha256").update(`offline-plan-standin:${name}`, "utf8").digest();
  switch (algorithm) {
    case "ED25519":
      return ed25519FromSeed(seed);
    case "ECDSA":
      return p256FromSeed(seed);
    case "RSA":
      return rsaOutputs(crypto.createPrivateKey(STANDIN_SEALING_KEY_PEM));
    default:
      throw new Error(`no offline stand-in for tls.PrivateKey algorithm "${algorithm}" (expected RSA, ECDSA or ED25519)`);
  }
}

/** Builds an Ed25519 key from its 32-byte seed (the RFC 8032 private key). */
export function ed25519FromSeed(seed: Buffer): TlsPrivateKeyOutputs {
  if (seed.length !== 32) {
    throw new Error(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
  }
  const pkcs8Der = Buffer.concat([ED25519_PKCS8_PREFIX, seed]);
  const privateKey = crypto.createPrivateKey({ key: pkcs8Der, format: "der", type: "pkcs8" });
  const rawPublic = jwkField(privateKey.export({ format: "jwk" }), "x");
  // Both DER forms are a fixed prefix and the raw key (RFC 8410), so the PEMs are written directly:
  // exporting them through OpenSSL cost a plan of thousands of deploy keys seconds.
  const pkcs8 = pemBlock("PRIVATE KEY", pkcs8Der);
  return keyOutputs("ED25519", privateKey, pkcs8, {
    type: "ssh-ed25519",
    publicWire: Buffer.concat([sshString("ssh-ed25519"), sshString(rawPublic)]),
    // OpenSSH stores the Ed25519 private key as seed || public key.
    privateFields: [sshString(rawPublic), sshString(Buffer.concat([seed, rawPublic]))],
  }, { pkcs8, publicKeyPem: pemBlock("PUBLIC KEY", Buffer.concat([ED25519_SPKI_PREFIX, rawPublic])) });
}

/**
 * Derives a P-256 key: the seed, reduced into [1, n - 1], is the private scalar. The reduction's
 * bias (about 2^-32) is irrelevant for a stand-in.
 */
function p256FromSeed(seed: Buffer): TlsPrivateKeyOutputs {
  const scalar = (BigInt(`0x${seed.toString("hex")}`) % (P256_ORDER - 1n)) + 1n;
  const d = Buffer.from(scalar.toString(16).padStart(P256_SCALAR_BYTES * 2, "0"), "hex");
  const ecdh = crypto.createECDH("prime256v1");
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const privateKey = crypto.createPrivateKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: point.subarray(1, 1 + P256_SCALAR_BYTES).toString("base64url"),
      y: point.subarray(1 + P256_SCALAR_BYTES).toString("base64url"),
      d: d.toString("base64url"),
    },
    format: "jwk",
  });
  return keyOutputs("ECDSA", privateKey, exportPem(privateKey, "sec1"), {
    type: "ecdsa-sha2-nistp256",
    publicWire: Buffer.concat([sshString("ecdsa-sha2-nistp256"), sshString("nistp256"), sshString(point)]),
    privateFields: [sshString("nistp256"), sshString(point), sshMpint(d)],
  });
}

function rsaOutputs(privateKey: crypto.KeyObject): TlsPrivateKeyOutputs {
  const jwk = privateKey.export({ format: "jwk" });
  const [n, e, d, p, q, qi] = ["n", "e", "d", "p", "q", "qi"].map((field) => jwkField(jwk, field));
  return keyOutputs("RSA", privateKey, exportPem(privateKey, "pkcs1"), {
    type: "ssh-rsa",
    publicWire: Buffer.concat([sshString("ssh-rsa"), sshMpint(e), sshMpint(n)]),
    // OpenSSH's order: n, e, d, iqmp (q^-1 mod p), p, q.
    privateFields: [sshMpint(n), sshMpint(e), sshMpint(d), sshMpint(qi), sshMpint(p), sshMpint(q)],
  });
}

function keyOutputs(
  algorithm: TlsPrivateKeyOutputs["algorithm"],
  privateKey: crypto.KeyObject,
  privateKeyPem: string,
  ssh: SshKeyParts,
  known: { pkcs8?: string; publicKeyPem?: string } = {},
): TlsPrivateKeyOutputs {
  return {
    algorithm,
    privateKeyPem,
    privateKeyPemPkcs8: known.pkcs8 ?? exportPem(privateKey, "pkcs8"),
    privateKeyOpenssh: opensshPrivateKey(ssh),
    publicKeyPem: known.publicKeyPem ?? crypto.createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
    publicKeyOpenssh: `${ssh.type} ${ssh.publicWire.toString("base64")}\n`,
    publicKeyFingerprintSha256: sha256Fingerprint(ssh.publicWire),
    publicKeyFingerprintMd5: md5Fingerprint(ssh.publicWire),
  };
}

function sha256Fingerprint(publicWire: Buffer): string {
  return `SHA256:${crypto.createHash("sha256").update(publicWire).digest("base64").replace(/=+$/, "")}`;
}

function md5Fingerprint(publicWire: Buffer): string {
  const digest = crypto.createHash("md5").update(publicWire).digest();
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join(":");
}

/**
 * The unencrypted `openssh-key-v1` container (OpenSSH PROTOCOL.key). Its two check-ints are random
 * in OpenSSH; here they are a hash of the private fields, so the output is deterministic.
 */
function opensshPrivateKey(ssh: SshKeyParts): string {
  const keyBody = Buffer.concat([sshString(ssh.type), ...ssh.privateFields, sshString("")]);
  const checkInt = crypto.createHash("sha256").update(keyBody).digest().subarray(0, 4);
  const unpadded = Buffer.concat([checkInt, checkInt, keyBody]);
  const privateSection = Buffer.concat([unpadded, opensshPadding(unpadded.length)]);
  const container = Buffer.concat([
    OPENSSH_MAGIC,
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32BE(1),
    sshString(ssh.publicWire),
    sshString(privateSection),
  ]);
  return pemBlock("OPENSSH PRIVATE KEY", container);
}

/** Padding bytes 1, 2, 3, ... up to the next block boundary, as OpenSSH writes and checks them. */
function opensshPadding(length: number): Buffer {
  const count = (OPENSSH_BLOCK_SIZE - (length % OPENSSH_BLOCK_SIZE)) % OPENSSH_BLOCK_SIZE;
  return Buffer.from(Array.from({ length: count }, (_, i) => i + 1));
}

function pemBlock(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(new RegExp(`.{1,${PEM_LINE_WIDTH}}`, "g")) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function exportPem(privateKey: crypto.KeyObject, type: "pkcs1" | "pkcs8" | "sec1"): string {
  return privateKey.export({ type, format: "pem" }).toString();
}

/** One unsigned big-endian field of a key's JWK form, the easiest way to reach raw key numbers. */
function jwkField(jwk: crypto.JsonWebKey, field: string): Buffer {
  const value = jwk[field];
  if (typeof value !== "string") {
    throw new Error(`the ${jwk.kty ?? "unknown"} key has no JWK field "${field}"`);
  }
  return Buffer.from(value, "base64url");
}

/** SSH `string`: uint32 BE length then the bytes (RFC 4251 §5). */
function sshString(value: string | Buffer): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  return Buffer.concat([uint32BE(bytes.length), bytes]);
}

/**
 * SSH `mpint` of a non-negative number given as unsigned big-endian bytes (RFC 4251 §5): minimal,
 * with a zero byte prepended when the top bit is set so it is not read as negative.
 */
function sshMpint(unsigned: Buffer): Buffer {
  const firstNonZero = unsigned.findIndex((byte) => byte !== 0);
  const minimal = firstNonZero === -1 ? Buffer.alloc(0) : unsigned.subarray(firstNonZero);
  const needsSignByte = minimal.length > 0 && (minimal[0] & 0x80) !== 0;
  return sshString(needsSignByte ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function uint32BE(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}
