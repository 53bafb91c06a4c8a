import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { seal, SealTarget, unseal } from "../lib/sealing";
import {
  ed25519FromSeed,
  STANDIN_SEALING_CERT_PEM,
  STANDIN_SEALING_KEY_PEM,
  standinKeyFor,
  TlsPrivateKeyOutputs,
} from "../plan/standin-keys";

const ALGORITHMS = ["ED25519", "ECDSA", "RSA"];

/** Reads SSH wire-format fields (RFC 4251 §5) in order, written independently of the implementation. */
function wireReader(bytes: Buffer): { uint32(): number; string(): Buffer; rest(): Buffer } {
  let offset = 0;
  const uint32 = (): number => {
    const value = bytes.readUInt32BE(offset);
    offset += 4;
    return value;
  };
  const string = (): Buffer => {
    const length = uint32();
    assert.ok(offset + length <= bytes.length, "SSH string runs past the end of the data");
    const value = bytes.subarray(offset, offset + length);
    offset += length;
    return value;
  };
  return { uint32, string, rest: () => bytes.subarray(offset) };
}

function authorizedKeyWire(line: string): { type: string; wire: Buffer } {
  const match = /^(\S+) ([A-Za-z0-9+/]+={0,2})\n$/.exec(line);
  assert.ok(match, `not an authorized-keys line: ${JSON.stringify(line)}`);
  return { type: match[1], wire: Buffer.from(match[2], "base64") };
}

/** Unsigned big-endian bytes of an mpint, without a sign byte. */
function mpintValue(mpint: Buffer): Buffer {
  return mpint[0] === 0 ? mpint.subarray(1) : mpint;
}

function jwkOf(pem: string): crypto.JsonWebKey {
  return crypto.createPublicKey(pem).export({ format: "jwk" });
}

function pemBody(pem: string, label: string): Buffer {
  const match = new RegExp(`^-----BEGIN ${label}-----\\n([A-Za-z0-9+/=\\n]+)-----END ${label}-----\\n$`).exec(pem);
  assert.ok(match, `not a ${label} PEM block`);
  return Buffer.from(match[1].replace(/\n/g, ""), "base64");
}

/** The raw public key numbers, as the SSH wire format carries them, derived from the PEM. */
function expectedWireFields(key: TlsPrivateKeyOutputs): Buffer[] {
  const jwk = jwkOf(key.publicKeyPem);
  const field = (name: keyof crypto.JsonWebKey): Buffer => Buffer.from(String(jwk[name]), "base64url");
  switch (key.algorithm) {
    case "ED25519":
      return [Buffer.from("ssh-ed25519"), field("x")];
    case "ECDSA":
      return [Buffer.from("ecdsa-sha2-nistp256"), Buffer.from("nistp256"), Buffer.concat([Buffer.from([4]), field("x"), field("y")])];
    case "RSA":
      return [Buffer.from("ssh-rsa"), field("e"), field("n")];
  }
}

function readPublicWire(key: TlsPrivateKeyOutputs, wire: Buffer): Buffer[] {
  const reader = wireReader(wire);
  const fields = expectedWireFields(key).map(() => reader.string());
  assert.equal(reader.rest().length, 0, "trailing bytes after the public key");
  return key.algorithm === "RSA" ? [fields[0], mpintValue(fields[1]), mpintValue(fields[2])] : fields;
}

/** Checks the unencrypted openssh-key-v1 envelope (OpenSSH PROTOCOL.key) and returns its two keys. */
function opensshContainer(pem: string): { publicWire: Buffer; privateSection: Buffer } {
  const container = pemBody(pem, "OPENSSH PRIVATE KEY");
  assert.equal(container.subarray(0, 15).toString("latin1"), "openssh-key-v1\0");
  const outer = wireReader(container.subarray(15));
  assert.equal(outer.string().toString(), "none", "cipher");
  assert.equal(outer.string().toString(), "none", "kdf");
  assert.equal(outer.string().length, 0, "kdf options");
  assert.equal(outer.uint32(), 1, "number of keys");
  const publicWire = outer.string();
  const privateSection = outer.string();
  assert.equal(outer.rest().length, 0, "trailing bytes after the private section");
  return { publicWire, privateSection };
}

describe("offline stand-in keys", () => {
  for (const algorithm of ALGORITHMS) {
    describe(algorithm, () => {
      const key = standinKeyFor("ssh-deploy-key", algorithm);

      it("is byte-identical on every call for the same name", () => {
        assert.deepEqual(standinKeyFor("ssh-deploy-key", algorithm), key);
        assert.equal(key.algorithm, algorithm);
      });

      it("signs with the private PEM and verifies with the public PEM", () => {
        const message = Buffer.from("stand-in");
        const digest = algorithm === "ED25519" ? null : "sha256";
        for (const privatePem of [key.privateKeyPem, key.privateKeyPemPkcs8]) {
          const signature = crypto.sign(digest, message, privatePem);
          assert.ok(crypto.verify(digest, message, key.publicKeyPem, signature));
        }
      });

      it("the OpenSSH public key decodes back to the same raw public key as the PEM", () => {
        const { type, wire } = authorizedKeyWire(key.publicKeyOpenssh);
        const expected = expectedWireFields(key);
        assert.equal(type, expected[0].toString());
        assert.deepEqual(readPublicWire(key, wire), expected);
      });

      it("fingerprints are OpenSSH's SHA256 and MD5 of the wire-format public key", () => {
        const { wire } = authorizedKeyWire(key.publicKeyOpenssh);
        assert.match(key.publicKeyFingerprintSha256, /^SHA256:[A-Za-z0-9+/]{43}$/);
        assert.equal(key.publicKeyFingerprintSha256, `SHA256:${crypto.createHash("sha256").update(wire).digest("base64").slice(0, 43)}`);
        assert.match(key.publicKeyFingerprintMd5, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
        assert.equal(key.publicKeyFingerprintMd5.replace(/:/g, ""), crypto.createHash("md5").update(wire).digest("hex"));
      });

      it("the OpenSSH private key is an unencrypted openssh-key-v1 container for the same key", () => {
        const { publicWire, privateSection } = opensshContainer(key.privateKeyOpenssh);
        assert.deepEqual(publicWire, authorizedKeyWire(key.publicKeyOpenssh).wire);
        assert.equal(privateSection.length % 8, 0);
        const inner = wireReader(privateSection);
        assert.equal(inner.uint32(), inner.uint32(), "check-ints differ");
        assert.equal(inner.string().toString(), expectedWireFields(key)[0].toString());
      });

      it("the private PEM is in the provider's format for the algorithm", () => {
        const label = { ED25519: "PRIVATE KEY", ECDSA: "EC PRIVATE KEY", RSA: "RSA PRIVATE KEY" }[key.algorithm];
        assert.ok(pemBody(key.privateKeyPem, label).length > 0);
        assert.ok(pemBody(key.privateKeyPemPkcs8, "PRIVATE KEY").length > 0);
        assert.ok(pemBody(key.publicKeyPem, "PUBLIC KEY").length > 0);
      });
    });
  }

  it("different names give different ED25519 and ECDSA keys", () => {
    for (const algorithm of ["ED25519", "ECDSA"]) {
      assert.notEqual(standinKeyFor("a", algorithm).privateKeyPem, standinKeyFor("b", algorithm).privateKeyPem);
    }
  });

  it("stand-ins are pinned, so the offline plan is the same on every machine and release", () => {
    assert.equal(standinKeyFor("offline-plan", "ED25519").publicKeyOpenssh, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILNbZW5NuPpgrCfvuTu4yz+RTot/JwUD7x1sJhUsz/RK\n");
    assert.equal(standinKeyFor("offline-plan", "ECDSA").publicKeyFingerprintSha256, "SHA256:fAkzvM28nkzXxv9ICSLTEvX0IHIpqc0AE9gY3NIx940");
  });

  it("every RSA stand-in is the committed sealing key", () => {
    const rsa = standinKeyFor("anything", "RSA");
    assert.equal(rsa.publicKeyPem, crypto.createPublicKey(STANDIN_SEALING_KEY_PEM).export({ type: "spki", format: "pem" }));
    assert.equal(crypto.createPublicKey(rsa.publicKeyPem).asymmetricKeyDetails?.modulusLength, 4096);
  });

  it("ed25519FromSeed matches the RFC 8032 test vector and the key holds the seed", () => {
    const seed = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex");
    const key = ed25519FromSeed(seed);
    assert.equal(Buffer.from(String(jwkOf(key.publicKeyPem).x), "base64url").toString("hex"), "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    const section = wireReader(opensshContainer(key.privateKeyOpenssh).privateSection);
    assert.equal(section.uint32(), section.uint32(), "check-ints differ");
    assert.equal(section.string().toString(), "ssh-ed25519");
    const publicKey = section.string();
    assert.deepEqual(section.string(), Buffer.concat([seed, publicKey]));
    assert.equal(section.string().length, 0, "comment should be empty");
    assert.deepEqual(section.rest(), Buffer.from([1, 2, 3, 4, 5]).subarray(0, section.rest().length), "padding is 1, 2, 3, ...");
  });

  it("refuses a seed that is not 32 bytes and an unknown algorithm", () => {
    assert.throws(() => ed25519FromSeed(Buffer.alloc(31)), /32 bytes/);
    assert.throws(() => standinKeyFor("x", "DSA"), /no offline stand-in.*DSA/);
  });

  describe("stand-in sealing certificate", () => {
    const certificate = new crypto.X509Certificate(STANDIN_SEALING_CERT_PEM);

    it("its public key matches the stand-in private key", () => {
      assert.ok(certificate.checkPrivateKey(crypto.createPrivateKey(STANDIN_SEALING_KEY_PEM)));
    });

    it("is self-signed for CN=sealed-secret, O=sealed-secret and valid for ten years", () => {
      assert.deepEqual(certificate.subject.split("\n").sort(), ["CN=sealed-secret", "O=sealed-secret"]);
      assert.equal(certificate.issuer, certificate.subject);
      assert.ok(certificate.verify(certificate.publicKey));
      const days = (Date.parse(certificate.validTo) - Date.parse(certificate.validFrom)) / 86_400_000;
      assert.ok(days >= 3650 && days <= 3653, `valid for ${days} days`);
    });

    it("a value sealed with the stand-in certificate opens with the stand-in key", () => {
      const target: SealTarget = { namespace: "flux-system", name: "git-credentials" };
      assert.equal(unseal(seal("identity", STANDIN_SEALING_CERT_PEM, target), STANDIN_SEALING_KEY_PEM, target).toString(), "identity");
    });
  });
});
