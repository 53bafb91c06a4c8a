import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import {
  derivedRandom,
  RandomSource,
  scopeAnnotations,
  seal,
  sealData,
  SealingScope,
  SealTarget,
  unseal,
} from "../lib/sealing";
import { STANDIN_SEALING_CERT_PEM, STANDIN_SEALING_KEY_PEM } from "../plan/standin-keys";

const SCOPES: SealingScope[] = ["strict", "namespace-wide", "cluster-wide"];
const MODULUS_BYTES = 2048 / 8;
const GCM_TAG_BYTES = 16;

interface PemKeyPair {
  publicKey: string;
  privateKey: string;
}

function freshRsaKeyPair(): PemKeyPair {
  return crypto.generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}

/** The controller's OAEP label for a target, written out independently of the implementation. */
function expectedLabel(target: SealTarget): Buffer {
  switch (target.scope ?? "strict") {
    case "strict":
      return Buffer.from(`${target.namespace}/${target.name}`);
    case "namespace-wide":
      return Buffer.from(target.namespace);
    case "cluster-wide":
      return Buffer.alloc(0);
  }
}

function splitSealed(sealed: string): { rsa: Buffer; aes: Buffer; length: number } {
  const bytes = Buffer.from(sealed, "base64");
  const rsaLength = bytes.readUInt16BE(0);
  return { rsa: bytes.subarray(2, 2 + rsaLength), aes: bytes.subarray(2 + rsaLength), length: rsaLength };
}

/** A random source that records what it handed out, to see how seal consumes randomness. */
function recordingRandom(): { random: RandomSource; draws: Buffer[] } {
  const draws: Buffer[] = [];
  const random = (size: number): Buffer => {
    const bytes = crypto.randomBytes(size);
    draws.push(bytes);
    return bytes;
  };
  return { random, draws };
}

describe("sealing", () => {
  let keys: PemKeyPair;
  let otherKeys: PemKeyPair;
  const strict: SealTarget = { namespace: "team-a", name: "db-credentials" };

  before(() => {
    keys = freshRsaKeyPair();
    otherKeys = freshRsaKeyPair();
  });

  describe("seal and unseal", () => {
    for (const scope of SCOPES) {
      it(`a ${scope} value opens again for the same target, from a PEM public key or a certificate`, () => {
        const target: SealTarget = { ...strict, scope };
        assert.equal(unseal(seal("s3cr3t ✓", keys.publicKey, target), keys.privateKey, target).toString(), "s3cr3t ✓");
        const viaCert = seal(Buffer.from([0, 1, 2, 255]), STANDIN_SEALING_CERT_PEM, target);
        assert.deepEqual(unseal(viaCert, STANDIN_SEALING_KEY_PEM, target), Buffer.from([0, 1, 2, 255]));
      });
    }

    it("output is standard padded base64 of: uint16 BE RSA length, RSA ciphertext, GCM ciphertext, 16-byte tag", () => {
      const plaintext = "x".repeat(37);
      const sealed = seal(plaintext, keys.publicKey, strict);
      assert.match(sealed, /^[A-Za-z0-9+/]+={0,2}$/);
      const bytes = Buffer.from(sealed, "base64");
      assert.equal(bytes.readUInt16BE(0), MODULUS_BYTES);
      assert.equal(bytes.length, 2 + MODULUS_BYTES + plaintext.length + GCM_TAG_BYTES);
      assert.equal(Buffer.from(seal("", STANDIN_SEALING_CERT_PEM, strict), "base64").readUInt16BE(0), 4096 / 8);
    });

    for (const scope of SCOPES) {
      it(`our OAEP encoding opens with Node's standard OAEP-SHA256 decryption and the ${scope} label, and the rest is AES-256-GCM with a zero nonce`, () => {
        const target: SealTarget = { ...strict, scope };
        const { rsa, aes } = splitSealed(seal("compatible", keys.publicKey, target));
        const sessionKey = crypto.privateDecrypt(
          { key: keys.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: expectedLabel(target) },
          rsa,
        );
        assert.equal(sessionKey.length, 32);
        const decipher = crypto.createDecipheriv("aes-256-gcm", sessionKey, Buffer.alloc(12));
        decipher.setAuthTag(aes.subarray(aes.length - GCM_TAG_BYTES));
        const plaintext = Buffer.concat([decipher.update(aes.subarray(0, aes.length - GCM_TAG_BYTES)), decipher.final()]);
        assert.equal(plaintext.toString(), "compatible");
      });
    }

    it("a value sealed with Node's own OAEP (as kubeseal would produce) opens with unseal", () => {
      const sessionKey = crypto.randomBytes(32);
      const rsa = crypto.publicEncrypt(
        { key: keys.publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: expectedLabel(strict) },
        sessionKey,
      );
      const cipher = crypto.createCipheriv("aes-256-gcm", sessionKey, Buffer.alloc(12));
      const aes = Buffer.concat([cipher.update("from elsewhere"), cipher.final(), cipher.getAuthTag()]);
      const length = Buffer.alloc(2);
      length.writeUInt16BE(rsa.length);
      const sealed = Buffer.concat([length, rsa, aes]).toString("base64");
      assert.equal(unseal(sealed, keys.privateKey, strict).toString(), "from elsewhere");
    });

    it("seal takes the 32-byte session key and then the 32-byte OAEP seed from the random source", () => {
      const { random, draws } = recordingRandom();
      const { rsa } = splitSealed(seal("v", keys.publicKey, strict, random));
      assert.deepEqual(draws.map((d) => d.length), [32, 32]);
      const sessionKey = crypto.privateDecrypt(
        { key: keys.privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256", oaepLabel: expectedLabel(strict) },
        rsa,
      );
      assert.deepEqual(sessionKey, draws[0]);
    });

    it("the same random stream gives the same ciphertext; the default source gives a fresh one each time", () => {
      const once = seal("v", keys.publicKey, strict, derivedRandom("k", "ctx"));
      assert.equal(seal("v", keys.publicKey, strict, derivedRandom("k", "ctx")), once);
      assert.notEqual(seal("v", keys.publicKey, strict), seal("v", keys.publicKey, strict));
    });

    it("a strict value does not open under another namespace, another name, or another private key", () => {
      const sealed = seal("v", keys.publicKey, strict);
      assert.throws(() => unseal(sealed, keys.privateKey, { ...strict, namespace: "team-b" }), /cannot unseal.*team-b\/db-credentials/);
      assert.throws(() => unseal(sealed, keys.privateKey, { ...strict, name: "other" }), /cannot unseal/);
      assert.throws(() => unseal(sealed, keys.privateKey, { ...strict, scope: "namespace-wide" }), /cannot unseal/);
      assert.throws(() => unseal(sealed, otherKeys.privateKey, strict), /cannot unseal/);
    });

    it("a namespace-wide value opens under any name in its namespace but not in another namespace", () => {
      const target: SealTarget = { ...strict, scope: "namespace-wide" };
      const sealed = seal("v", keys.publicKey, target);
      assert.equal(unseal(sealed, keys.privateKey, { ...target, name: "renamed" }).toString(), "v");
      assert.throws(() => unseal(sealed, keys.privateKey, { ...target, namespace: "team-b" }), /cannot unseal/);
    });

    it("a cluster-wide value opens in any namespace under any name", () => {
      const sealed = seal("v", keys.publicKey, { ...strict, scope: "cluster-wide" });
      assert.equal(unseal(sealed, keys.privateKey, { namespace: "x", name: "y", scope: "cluster-wide" }).toString(), "v");
    });

    it("a tampered, truncated or non-base64 value fails with a clear error", () => {
      const bytes = Buffer.from(seal("value", keys.publicKey, strict), "base64");
      bytes[bytes.length - 1] ^= 1;
      assert.throws(() => unseal(bytes.toString("base64"), keys.privateKey, strict), /cannot unseal: .*authentication/);
      assert.throws(() => unseal(bytes.subarray(0, 100).toString("base64"), keys.privateKey, strict), /cannot unseal: .*truncated/);
      assert.throws(() => unseal("not base64!", keys.privateKey, strict), /cannot unseal: .*base64/);
    });

    it("refuses targets whose label would be incomplete, and non-RSA keys", () => {
      assert.throws(() => seal("v", keys.publicKey, { namespace: "", name: "n" }), /namespace is empty/);
      assert.throws(() => seal("v", keys.publicKey, { namespace: "ns", name: "" }), /name is empty/);
      assert.doesNotThrow(() => seal("v", keys.publicKey, { namespace: "", name: "", scope: "cluster-wide" }));
      const ed = crypto.generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
      assert.throws(() => seal("v", ed, strict), /must be RSA/);
    });

    it("refuses a random source that returns too few bytes", () => {
      assert.throws(() => seal("v", keys.publicKey, strict, () => Buffer.alloc(8)), /random source returned 8 bytes/);
    });
  });

  describe("sealData", () => {
    const data = { zeta: "last", alpha: "first", mid: "middle" };

    it("seals every key, sorted, and each value opens for the target", () => {
      const sealed = sealData(data, keys.publicKey, strict, "nonce-secret");
      assert.deepEqual(Object.keys(sealed), ["alpha", "mid", "zeta"]);
      for (const [key, value] of Object.entries(data)) {
        assert.equal(unseal(sealed[key], keys.privateKey, strict).toString(), value);
      }
    });

    it("is deterministic for the same value, certificate, target and secret", () => {
      assert.deepEqual(sealData(data, STANDIN_SEALING_CERT_PEM, strict, "s"), sealData(data, STANDIN_SEALING_CERT_PEM, strict, "s"));
    });

    it("changes the ciphertext when the value, certificate, target, scope or secret changes", () => {
      const base = sealData(data, keys.publicKey, strict, "s");
      const changedValue = sealData({ ...data, mid: "changed" }, keys.publicKey, strict, "s");
      assert.notEqual(changedValue.mid, base.mid);
      assert.equal(changedValue.alpha, base.alpha);
      const variants = [
        sealData(data, otherKeys.publicKey, strict, "s"),
        sealData(data, keys.publicKey, { ...strict, namespace: "team-b" }, "s"),
        sealData(data, keys.publicKey, { ...strict, name: "other" }, "s"),
        sealData(data, keys.publicKey, { ...strict, scope: "namespace-wide" }, "s"),
        sealData(data, keys.publicKey, strict, "another secret"),
      ];
      for (const variant of variants) {
        for (const key of Object.keys(data)) {
          assert.notEqual(variant[key], base[key]);
        }
      }
    });

    it("output is pinned, so a refactor cannot silently re-encrypt every committed SealedSecret", () => {
      const sealed = sealData({ token: "abc" }, STANDIN_SEALING_CERT_PEM, { namespace: "ns", name: "n" }, "secret");
      const digest = crypto.createHash("sha256").update(sealed.token).digest("hex");
      assert.equal(digest, "ce3c016eb8d8b7885db93d801512a5f5cab5713daaab9301e87c8ecfc78df3ec");
    });

    it("gives the same value under different keys different ciphertexts", () => {
      const sealed = sealData({ a: "same", b: "same" }, keys.publicKey, strict, "s");
      assert.notEqual(sealed.a, sealed.b);
    });
  });

  describe("derivedRandom", () => {
    it("is deterministic for the same secret and context", () => {
      assert.deepEqual(derivedRandom("secret", "a", "b")(100), derivedRandom(Buffer.from("secret"), "a", "b")(100));
    });

    it("is pinned, so the stream is the same on every machine and release", () => {
      assert.equal(derivedRandom("secret", "a", "b")(16).toString("hex"), "50c92fbfe560ace252f5fce464d14c3d");
    });

    it("successive calls continue the stream instead of restarting it", () => {
      const whole = derivedRandom("secret", "ctx")(80);
      const stream = derivedRandom("secret", "ctx");
      const parts = Buffer.concat([stream(0), stream(7), stream(33), stream(40)]);
      assert.deepEqual(parts, whole);
      assert.notDeepEqual(whole.subarray(0, 32), whole.subarray(32, 64));
    });

    it("separates contexts, including ones that concatenate to the same string", () => {
      const read = (secret: string, ...context: string[]): string => derivedRandom(secret, ...context)(32).toString("hex");
      const streams = [read("s", "ab", "c"), read("s", "a", "bc"), read("s", "abc"), read("s"), read("t", "ab", "c")];
      assert.equal(new Set(streams).size, streams.length);
    });

    it("refuses a negative or fractional byte count", () => {
      assert.throws(() => derivedRandom("s")(-1), /non-negative integer/);
      assert.throws(() => derivedRandom("s")(1.5), /non-negative integer/);
    });
  });

  describe("scopeAnnotations", () => {
    it("strict needs no annotation; the wider scopes are annotated for the controller", () => {
      assert.deepEqual(scopeAnnotations("strict"), {});
      assert.deepEqual(scopeAnnotations("namespace-wide"), { "sealedsecrets.bitnami.com/namespace-wide": "true" });
      assert.deepEqual(scopeAnnotations("cluster-wide"), { "sealedsecrets.bitnami.com/cluster-wide": "true" });
    });
  });
});
