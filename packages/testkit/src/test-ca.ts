// @peculiar/x509 resolves its providers through tsyringe, which needs the Reflect metadata API loaded first.
import 'reflect-metadata';
import { isIP } from 'node:net';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 needs a WebCrypto provider; Node's is complete for ECDSA P-256.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;

const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' };
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface TestCaOptions {
  /** Common name of the root; default "mxv test root CA". */
  commonName?: string;
  notBefore?: Date;
  notAfter?: Date;
}

export interface IssueOptions {
  /** DNS names and/or IP literals put in subjectAltName; the first is also the subject CN. */
  names: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Sign the leaf with its own key instead of the CA (an untrusted certificate). */
  selfSigned?: boolean;
  /** Intermediate CAs between the root and the leaf (0 by default), for long-chain tests. */
  intermediates?: number;
  /** The leaf's key: ECDSA P-256 by default; RSA of a given size for key-strength and RSA-only cipher tests. */
  key?: LeafKeySpec;
  /**
   * The digest its issuer signs the leaf over (ECDSA): SHA-256 by default; SHA-1 for the refused-digest
   * tests (OpenSSL's "CA signature digest algorithm too weak"). A server must run at security level 0 to
   * load such a certificate.
   */
  signatureHash?: 'SHA-1' | 'SHA-256' | 'SHA-384';
  /**
   * The dates of the intermediates (with `intermediates`); by default they cover the leaf's and ten years
   * from now. An expired intermediate under a valid leaf is the chain file a server was never updated with.
   */
  intermediateValidity?: { notBefore: Date; notAfter: Date };
  /** Add to the leaf an extension of a private OID marked critical, which verifiers must refuse (RFC 5280 4.2). */
  unknownCriticalExtension?: boolean;
  /**
   * Send, after the chain, the root's name and key certified by another, untrusted root over this digest: a
   * cross-signed root, as Let's Encrypt sent DST Root CA X3's for ISRG Root X1. Verifiers that look in their
   * trust store first (OpenSSL since 1.1.0) end the path at the trusted root and never check it. `notAfter`: its
   * end date (ten years from now by default; DST Root CA X3's cross-sign of ISRG Root X1 ended in 2024).
   */
  crossSignedRoot?: { signatureHash: 'SHA-1' | 'SHA-256'; notAfter?: Date };
}

/** A private-enterprise OID no verifier knows, for `unknownCriticalExtension`. */
const UNKNOWN_EXTENSION_OID = '1.3.6.1.4.1.99999.1';

export type LeafKeySpec = { type: 'ec'; curve: 'P-256' | 'P-384' | 'P-521' } | { type: 'rsa'; bits: number };

export interface IssuedCert {
  /** The leaf alone. */
  certPem: string;
  /** PKCS#8 PEM of the leaf's private key. */
  keyPem: string;
  /** Leaf followed by its intermediates, leaf first (what a TLS server sends; RFC 8446 4.4.2). */
  chainPem: string;
}

export interface TestCa {
  /** The root certificate, PEM; give it to a client as `ca`. */
  certPem: string;
  issue(opts: IssueOptions): Promise<IssuedCert>;
}

interface Signer {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
}

function generateKeys(spec?: LeafKeySpec): Promise<CryptoKeyPair> {
  const params: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams =
    spec === undefined
      ? EC_KEY
      : spec.type === 'ec'
        ? { name: 'ECDSA', namedCurve: spec.curve }
        : { name: 'RSASSA-PKCS1-v1_5', modulusLength: spec.bits, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
  return webcrypto.subtle.generateKey(params, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

/** Positive 16-byte serial: RFC 5280 4.1.2.2 wants it positive and at most 20 octets. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

function dnEscape(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

async function caExtensions(keys: CryptoKeyPair, issuer: Signer | null): Promise<x509.Extension[]> {
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
  return extensions;
}

async function createSigner(name: string, notBefore: Date, notAfter: Date, issuer: Signer | null): Promise<Signer> {
  const keys = await generateKeys();
  const common = {
    serialNumber: randomSerial(),
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: await caExtensions(keys, issuer),
  };
  const cert = issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject: `CN=${dnEscape(name)}`,
        issuer: issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: `CN=${dnEscape(name)}`, keys });
  return { cert, keys };
}

function sanEntries(names: string[]): x509.JsonGeneralName[] {
  return names.map((n) => (isIP(n) ? { type: 'ip', value: n } : { type: 'dns', value: n }));
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** `signer`'s name and key certified by a fresh, untrusted root of its own (crossSignedRoot), PEM. */
async function crossSign(signer: Signer, hash: 'SHA-1' | 'SHA-256', notAfter?: Date): Promise<string> {
  const now = Date.now();
  const other = await createSigner('mxv test old root CA', new Date(now - DAY_MS), new Date(now + 3650 * DAY_MS), null);
  const cross = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    notBefore: new Date(Math.min(now - DAY_MS, (notAfter?.getTime() ?? now) - DAY_MS)),
    notAfter: notAfter ?? new Date(now + 3650 * DAY_MS),
    signingAlgorithm: { ...SIGNING, hash },
    extensions: await caExtensions(signer.keys, other),
    subject: signer.cert.subject,
    issuer: other.cert.subject,
    publicKey: signer.keys.publicKey,
    signingKey: other.keys.privateKey,
  });
  return cross.toString('pem');
}

export async function createTestCa(opts: TestCaOptions = {}): Promise<TestCa> {
  const now = Date.now();
  const root = await createSigner(
    opts.commonName ?? 'mxv test root CA',
    opts.notBefore ?? new Date(now - DAY_MS),
    opts.notAfter ?? new Date(now + 3650 * DAY_MS),
    null,
  );
  const certPem = root.cert.toString('pem');

  async function issue(req: IssueOptions): Promise<IssuedCert> {
    const first = req.names[0];
    if (first === undefined) throw new Error('issue: at least one name is required');
    const notBefore = req.notBefore ?? new Date(Date.now() - HOUR_MS);
    const notAfter = req.notAfter ?? new Date(Date.now() + 90 * DAY_MS);
    const keys = await generateKeys(req.key);

    // Intermediates are valid for at least as long as the leaf, so an expired-leaf
    // test fails on the leaf and nothing else.
    const chain: Signer[] = [];
    let issuer: Signer | null = req.selfSigned ? null : root;
    const caNotBefore = new Date(Math.min(notBefore.getTime(), now - DAY_MS));
    const caNotAfter = new Date(Math.max(notAfter.getTime(), now + 3650 * DAY_MS));
    for (let i = 0; !req.selfSigned && i < (req.intermediates ?? 0); i++) {
      const dates = req.intermediateValidity ?? { notBefore: caNotBefore, notAfter: caNotAfter };
      issuer = await createSigner(`mxv test intermediate ${i + 1}`, dates.notBefore, dates.notAfter, issuer);
      chain.unshift(issuer);
    }

    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      // An RSA leaf may also be used for TLS 1.2's RSA key transport (RFC 5246 7.4.2), which needs keyEncipherment.
      new x509.KeyUsagesExtension(
        req.key?.type === 'rsa'
          ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
          : x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sanEntries(req.names)),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ];
    // The value is a DER NULL: its content does not matter, only that it is critical and unknown.
    if (req.unknownCriticalExtension) extensions.push(new x509.Extension(UNKNOWN_EXTENSION_OID, true, new Uint8Array([5, 0])));
    const subject = `CN=${dnEscape(first)}`;
    const signingAlgorithm: webcrypto.EcdsaParams = { ...SIGNING, hash: req.signatureHash ?? SIGNING.hash };
    const common = { serialNumber: randomSerial(), notBefore, notAfter, signingAlgorithm };
    let leaf: x509.X509Certificate;
    if (issuer === null) {
      leaf = await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys, extensions });
    } else {
      extensions.push(await x509.AuthorityKeyIdentifierExtension.create(issuer.keys.publicKey));
      leaf = await x509.X509CertificateGenerator.create({
        ...common,
        subject,
        issuer: issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: issuer.keys.privateKey,
        extensions,
      });
    }
    const leafPem = leaf.toString('pem');
    const sent = [leafPem, ...chain.map((s) => s.cert.toString('pem'))];
    if (req.crossSignedRoot) {
      sent.push(await crossSign(root, req.crossSignedRoot.signatureHash, req.crossSignedRoot.notAfter));
    }
    return {
      certPem: leafPem,
      keyPem: await exportKeyPem(keys.privateKey),
      chainPem: sent.join('\n'),
    };
  }

  return { certPem, issue };
}
