import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { extraCaFromEnvironment } from './tls-context.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate of some PEM texts (a bundle holds many); one that does not parse is left out, as OpenSSL skips it. */
function parsePem(texts: readonly string[]): X509Certificate[] {
  const certificates: X509Certificate[] = [];
  for (const text of texts) {
    for (const block of text.match(PEM_BLOCK) ?? []) {
      try {
        certificates.push(new X509Certificate(block));
      } catch {
        // Not a certificate: nothing to trust.
      }
    }
  }
  return certificates;
}

/**
 * The certificates a handshake's verification trusts (Node's bundled roots, the NODE_EXTRA_CA_CERTS file,
 * and the prober's extra CAs: what createProbeSecureContext gives OpenSSL), by subject, to find where the
 * path OpenSSL verified ends. OpenSSL looks for each certificate's issuer in this store before the
 * certificates the server sent (X509_V_FLAG_TRUSTED_FIRST, its default since 1.1.0), so a path ends at
 * the first certificate a trusted one issued, and what the server sent above it (a cross-signed root, as
 * Let's Encrypt sent DST Root CA X3's) is never checked. Parsed on first use only (about 50 ms, once per
 * prober): a probe needs it when a signature above the leaf would otherwise count, a date error is to be placed
 * (inspectTls), or a chain sent out of order is completed (linkPeerChain), all rare.
 */
export class TrustAnchors {
  readonly #pem: () => string[];
  #bySubject: Map<string, X509Certificate[]> | null = null;

  constructor(extraCaPem: readonly string[] | undefined) {
    this.#pem = () => [...rootCertificates, ...extraCaFromEnvironment(), ...(extraCaPem ?? [])];
  }

  /** The trusted certificate that issued `cert` (its subject is the issuer's name and its key verifies the signature), or null. */
  issuerOf(cert: X509Certificate): X509Certificate | null {
    this.#bySubject ??= this.#index();
    for (const candidate of this.#bySubject.get(cert.issuer) ?? []) {
      try {
        if (cert.checkIssued(candidate) && cert.verify(candidate.publicKey)) return candidate;
      } catch {
        // A key type this Node cannot verify with: not this issuer.
      }
    }
    return null;
  }

  #index(): Map<string, X509Certificate[]> {
    const bySubject = new Map<string, X509Certificate[]>();
    for (const cert of parsePem(this.#pem())) {
      const same = bySubject.get(cert.subject);
      if (same) same.push(cert);
      else bySubject.set(cert.subject, [cert]);
    }
    return bySubject;
  }
}
