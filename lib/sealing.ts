/**
 * Sealing of secret values for the Bitnami Sealed Secrets controller, in pure TypeScript.
 *
 * The output is byte-compatible with the controller's hybrid scheme (Go `crypto/rsa` DecryptOAEP
 * with SHA-256, then AES-256-GCM), so values sealed here open in a real cluster. Sealing is done in
 * the program rather than with `kubeseal` so that no binary or cluster access is needed, and so that
 * the randomness can be injected: a Pulumi program that produced fresh ciphertext on every run would
 * show a diff, and push a Git commit, for every secret on every `pulumi up`.
 */
import * as crypto from "node:crypto";

/** How tightly a sealed value is bound to where it may be unsealed; mirrors the controller's scopes. */
export type SealingScope = "strict" | "namespace-wide" | "cluster-wide";

/** The SealedSecret a value is sealed for. `scope` defaults to `strict`, as in `kubeseal`. */
export interface SealTarget {
  namespace: string;
  name: string;
  scope?: SealingScope;
}

/** Supplies `size` random bytes. Injectable so that sealing can be made deterministic. */
export type RandomSource = (size: number) => Buffer;

/** AES-256 session key size; the controller rejects any other length. */
const SESSION_KEY_BYTES = 32;
/** SHA-256 output size: the OAEP `hLen`, also the OAEP seed size. */
const HASH_BYTES = 32;
const GCM_TAG_BYTES = 16;
/** Size of the big-endian prefix that tells the controller where the RSA ciphertext ends. */
const LENGTH_PREFIX_BYTES = 2;
/**
 * The controller uses an all-zero GCM nonce. That is safe only because every session key is fresh
 * and encrypts exactly one value, so a (key, nonce) pair never repeats.
 */
const ZERO_NONCE = Buffer.alloc(12);

const SCOPE_ANNOTATION_PREFIX = "sealedsecrets.bitnami.com/";
/** Domain separation, so these derived bytes can never collide with another use of the same secret. */
const DERIVED_RANDOM_DOMAIN = "eks-gitops-platform/sealing/derived-random/v1";

/**
 * Seals one value for `target` with the controller's public certificate (or a PEM public key).
 * Returns standard padded base64, ready for a SealedSecret's `spec.encryptedData`.
 *
 * Randomness is drawn in the controller's order: the 32-byte session key first, then the 32-byte
 * OAEP seed. Pass a deterministic `random` (see {@link derivedRandom}) to get stable ciphertexts.
 */
export function seal(
  plaintext: string | Buffer,
  certificatePem: string,
  target: SealTarget,
  random: RandomSource = crypto.randomBytes,
): string {
  const publicKey = rsaPublicKeyFrom(certificatePem);
  const sessionKey = takeRandom(random, SESSION_KEY_BYTES, "session key");
  const encodedMessage = emeOaepEncode(sessionKey, oaepLabel(target), modulusBytes(publicKey), random);
  const rsaCiphertext = crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_NO_PADDING }, encodedMessage);
  const aesCiphertext = aesGcmEncrypt(sessionKey, toBuffer(plaintext));
  return Buffer.concat([lengthPrefix(rsaCiphertext.length), rsaCiphertext, aesCiphertext]).toString("base64");
}

/**
 * Opens a value produced by {@link seal} (or by `kubeseal`), the way the controller does. Used by
 * tests and by tooling that checks what was rendered. Throws an Error saying why when the value is
 * malformed, or was sealed for another target or another key.
 */
export function unseal(sealedBase64: string, privateKeyPem: string, target: SealTarget): Buffer {
  const { rsaCiphertext, aesCiphertext } = splitSealed(sealedBase64);
  const sessionKey = rsaOaepDecrypt(rsaCiphertext, privateKeyPem, target);
  if (sessionKey.length !== SESSION_KEY_BYTES) {
    throw new Error(`cannot unseal: session key is ${sessionKey.length} bytes, expected ${SESSION_KEY_BYTES}`);
  }
  return aesGcmDecrypt(sessionKey, aesCiphertext);
}

/**
 * A deterministic byte stream: HMAC-SHA256 in counter mode (NIST SP 800-108 style) under a key
 * derived from `secret` and the `context` strings. Each context string is length-prefixed, so
 * ("ab", "c") and ("a", "bc") give unrelated streams. Successive calls continue the stream rather
 * than restarting it, so the session key and the OAEP seed of one {@link seal} never share bytes.
 */
export function derivedRandom(secret: string | Buffer, ...context: string[]): RandomSource {
  return randomFromStreamKey(streamKeyOf(secret, context));
}

function streamKeyOf(secret: string | Buffer, context: string[]): Buffer {
  return crypto.createHmac("sha256", toBuffer(secret)).update(encodeContext(context)).digest();
}

function randomFromStreamKey(streamKey: Buffer): RandomSource {
  let counter = 0;
  let pending: Buffer = Buffer.alloc(0);
  return (size: number): Buffer => {
    assertByteCount(size);
    const blocks: Buffer[] = [pending];
    let available = pending.length;
    while (available < size) {
      const block = counterBlock(streamKey, counter++);
      blocks.push(block);
      available += block.length;
    }
    const stream = Buffer.concat(blocks);
    pending = stream.subarray(size);
    return stream.subarray(0, size);
  };
}

/**
 * Seals every entry of `data` for `target`, deterministically, returning the entries with keys sorted
 * (so rendered manifests are stable).
 *
 * The randomness of each entry is derived from the certificate, the target, the key and a hash of
 * the value, so re-running the program yields the same ciphertext and any change to one of those
 * yields a new one. It is also keyed with `nonceSecret`, which must be something an attacker does not
 * have (the program passes a hash of the sealing private key): deterministic encryption keyed only
 * by public inputs and the plaintext would let anyone holding a ciphertext and the certificate
 * confirm a guessed plaintext by re-sealing it and comparing.
 */
export function sealData(
  data: Record<string, string>,
  certificatePem: string,
  target: SealTarget,
  nonceSecret: string | Buffer,
): Record<string, string> {
  const fingerprint = keyMaterialFingerprint(certificatePem);
  const scope = scopeOf(target);
  const sealed: Record<string, string> = {};
  for (const key of Object.keys(data).sort()) {
    const value = data[key];
    const streamKey = streamKeyOf(nonceSecret, [fingerprint, scope, target.namespace, target.name, key, sha256Hex(value)]);
    // The stream key determines the whole ciphertext: it is derived from the key material, the
    // target (so the OAEP label), the entry's key and a hash of its value. A value sealed again for
    // the same target under the same key (a stage's shared deploy key on clusters that share a
    // sealing key, as the offline plan's stand-in clusters do) is the same ciphertext, made once.
    const id = streamKey.toString("base64");
    let ciphertext = sealedValues.get(id);
    if (ciphertext === undefined) {
      ciphertext = seal(value, certificatePem, target, randomFromStreamKey(streamKey));
      sealedValues.set(id, ciphertext);
    }
    sealed[key] = ciphertext;
  }
  return sealed;
}

/** Ciphertexts of {@link sealData} by stream key. */
const sealedValues = new Map<string, string>();

/**
 * The annotations a SealedSecret needs so the controller uses the same scope (OAEP label) when
 * unsealing as was used when sealing. Strict is the controller's default and needs none.
 */
export function scopeAnnotations(scope: SealingScope): Record<string, string> {
  switch (scope) {
    case "strict":
      return {};
    case "namespace-wide":
    case "cluster-wide":
      return { [`${SCOPE_ANNOTATION_PREFIX}${scope}`]: "true" };
  }
}

function scopeOf(target: SealTarget): SealingScope {
  return target.scope ?? "strict";
}

/**
 * The OAEP label binds a ciphertext to where it may be unsealed: `namespace/name` for strict,
 * `namespace` for namespace-wide, nothing for cluster-wide. Empty parts are refused because they
 * would silently produce values no real SealedSecret can open.
 */
function oaepLabel(target: SealTarget): Buffer {
  const scope = scopeOf(target);
  if (scope !== "cluster-wide" && target.namespace === "") {
    throw new Error(`cannot seal with scope ${scope}: the target namespace is empty`);
  }
  if (scope === "strict" && target.name === "") {
    throw new Error("cannot seal with scope strict: the target name is empty");
  }
  switch (scope) {
    case "strict":
      return Buffer.from(`${target.namespace}/${target.name}`, "utf8");
    case "namespace-wide":
      return Buffer.from(target.namespace, "utf8");
    case "cluster-wide":
      return Buffer.alloc(0);
  }
}

/** Parsed keys per PEM: a plan seals thousands of values under the same certificate. */
const parsedKeys = new Map<string, crypto.KeyObject>();
const fingerprints = new Map<string, string>();

/** Accepts the controller's certificate (what `kubeseal --fetch-cert` returns) or a bare public key. */
function rsaPublicKeyFrom(pem: string): crypto.KeyObject {
  const cached = parsedKeys.get(pem);
  if (cached) return cached;
  const key = isCertificatePem(pem) ? new crypto.X509Certificate(pem).publicKey : crypto.createPublicKey(pem);
  if (key.asymmetricKeyType !== "rsa") {
    throw new Error(`cannot seal: the sealing key must be RSA, got ${key.asymmetricKeyType ?? "an unknown key type"}`);
  }
  parsedKeys.set(pem, key);
  return key;
}

function isCertificatePem(pem: string): boolean {
  return pem.includes("-----BEGIN CERTIFICATE-----");
}

/** RSA modulus size in bytes (`k` in RFC 8017): the size of every RSA ciphertext under this key. */
function modulusBytes(publicKey: crypto.KeyObject): number {
  const bits = publicKey.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined) {
    throw new Error("cannot seal: the RSA key does not report its modulus length");
  }
  return Math.ceil(bits / 8);
}

/**
 * EME-OAEP encoding (RFC 8017 §7.1.1) with SHA-256 for both the hash and MGF1. Done by hand because
 * Node's OAEP padding picks its own random seed, which would make sealing non-deterministic.
 */
function emeOaepEncode(message: Buffer, label: Buffer, k: number, random: RandomSource): Buffer {
  const maxMessageBytes = k - 2 * HASH_BYTES - 2;
  if (message.length > maxMessageBytes) {
    throw new Error(`cannot seal: ${message.length} bytes do not fit OAEP under a ${k * 8}-bit key`);
  }
  const lHash = sha256(label);
  const padding = Buffer.alloc(maxMessageBytes - message.length);
  const dataBlock = Buffer.concat([lHash, padding, Buffer.from([0x01]), message]);
  const seed = takeRandom(random, HASH_BYTES, "OAEP seed");
  const maskedDataBlock = xor(dataBlock, mgf1Sha256(seed, dataBlock.length));
  const maskedSeed = xor(seed, mgf1Sha256(maskedDataBlock, HASH_BYTES));
  return Buffer.concat([Buffer.from([0x00]), maskedSeed, maskedDataBlock]);
}

/** MGF1 (RFC 8017 §B.2.1) over SHA-256. */
function mgf1Sha256(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * HASH_BYTES < length; counter++) {
    blocks.push(sha256(Buffer.concat([seed, uint32BE(counter)])));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** GCM ciphertext with its tag appended, as Go's `cipher.AEAD.Seal` produces it. */
function aesGcmEncrypt(sessionKey: Buffer, plaintext: Buffer): Buffer {
  const cipher = crypto.createCipheriv("aes-256-gcm", sessionKey, ZERO_NONCE, { authTagLength: GCM_TAG_BYTES });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function aesGcmDecrypt(sessionKey: Buffer, sealed: Buffer): Buffer {
  const tagStart = sealed.length - GCM_TAG_BYTES;
  const decipher = crypto.createDecipheriv("aes-256-gcm", sessionKey, ZERO_NONCE, { authTagLength: GCM_TAG_BYTES });
  decipher.setAuthTag(sealed.subarray(tagStart));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, tagStart)), decipher.final()]);
  } catch (cause) {
    throw new Error("cannot unseal: the AES-GCM payload failed authentication (corrupted or tampered value)", { cause });
  }
}

function rsaOaepDecrypt(rsaCiphertext: Buffer, privateKeyPem: string, target: SealTarget): Buffer {
  try {
    return crypto.privateDecrypt(
      { key: privateKeyPem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: oaepLabel(target) },
      rsaCiphertext,
    );
  } catch (cause) {
    throw new Error(
      `cannot unseal: the value was not sealed for ${describeTarget(target)} with the public key matching this private key`,
      { cause },
    );
  }
}

function describeTarget(target: SealTarget): string {
  const scope = scopeOf(target);
  switch (scope) {
    case "strict":
      return `${target.namespace}/${target.name} (strict)`;
    case "namespace-wide":
      return `namespace ${target.namespace} (namespace-wide)`;
    case "cluster-wide":
      return "the cluster (cluster-wide)";
  }
}

/** Splits the controller's layout: uint16 BE length, RSA ciphertext, GCM ciphertext + tag. */
function splitSealed(sealedBase64: string): { rsaCiphertext: Buffer; aesCiphertext: Buffer } {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(sealedBase64) || sealedBase64.length % 4 !== 0) {
    throw new Error("cannot unseal: the value is not standard padded base64");
  }
  const bytes = Buffer.from(sealedBase64, "base64");
  if (bytes.length < LENGTH_PREFIX_BYTES) {
    throw new Error("cannot unseal: the value is too short to hold a length prefix");
  }
  const rsaEnd = LENGTH_PREFIX_BYTES + bytes.readUInt16BE(0);
  if (bytes.length < rsaEnd + GCM_TAG_BYTES) {
    throw new Error("cannot unseal: the value is truncated (shorter than its RSA ciphertext plus a GCM tag)");
  }
  return { rsaCiphertext: bytes.subarray(LENGTH_PREFIX_BYTES, rsaEnd), aesCiphertext: bytes.subarray(rsaEnd) };
}

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.alloc(LENGTH_PREFIX_BYTES);
  prefix.writeUInt16BE(length);
  return prefix;
}

/** Calls the random source and refuses short reads, which would otherwise weaken keys silently. */
function takeRandom(random: RandomSource, size: number, purpose: string): Buffer {
  const bytes = random(size);
  if (bytes.length !== size) {
    throw new Error(`cannot seal: the random source returned ${bytes.length} bytes for the ${purpose}, expected ${size}`);
  }
  return bytes;
}

/**
 * Identifies the sealing key material (the certificate DER, or the public key's SPKI DER), so that
 * rotating the certificate changes every derived ciphertext.
 */
function keyMaterialFingerprint(pem: string): string {
  const cached = fingerprints.get(pem);
  if (cached) return cached;
  const der = isCertificatePem(pem)
    ? new crypto.X509Certificate(pem).raw
    : crypto.createPublicKey(pem).export({ type: "spki", format: "der" });
  fingerprints.set(pem, sha256Hex(der));
  return fingerprints.get(pem)!;
}

/** Domain label then each context string, each prefixed with its UTF-8 length as uint32 BE. */
function encodeContext(context: string[]): Buffer {
  return Buffer.concat([DERIVED_RANDOM_DOMAIN, ...context].map((part) => lengthPrefixed(Buffer.from(part, "utf8"))));
}

function lengthPrefixed(bytes: Buffer): Buffer {
  return Buffer.concat([uint32BE(bytes.length), bytes]);
}

function counterBlock(streamKey: Buffer, counter: number): Buffer {
  return crypto.createHmac("sha256", streamKey).update(uint64BE(counter)).digest();
}

function assertByteCount(size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new Error(`a random source needs a non-negative integer byte count, got ${size}`);
  }
}

function uint32BE(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

function uint64BE(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

function xor(a: Buffer, b: Buffer): Buffer {
  // A plain loop: `a.map` makes a Buffer per call only to be copied again, three times as slow.
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] ^ b[i];
  return out;
}

function sha256(data: Buffer): Buffer {
  return crypto.createHash("sha256").update(data).digest();
}

function sha256Hex(data: string | Buffer): string {
  return crypto.createHash("sha256").update(data).digest("hex");
}

function toBuffer(value: string | Buffer): Buffer {
  return typeof value === "string" ? Buffer.from(value, "utf8") : value;
}
