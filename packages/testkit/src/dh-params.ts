import { getDiffieHellman } from 'node:crypto';
import * as tls from 'node:tls';

/** A DER length: short form below 128, else the long form's count byte and big-endian bytes (X.690 8.1.3). */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const hex = length.toString(16);
  const bytes = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
}

/** A DER INTEGER of an unsigned big-endian value: a leading zero byte when its top bit is set (X.690 8.3). */
function derUnsignedInteger(value: Buffer): Buffer {
  const body = (value[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), value]) : value;
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

/**
 * PKCS #3 DHParameters (SEQUENCE { prime, generator }) of one of Node's fixed MODP groups, as PEM: a
 * server's `dhparam` (Node) or `smtpd_tls_dh1024_param_file` (Postfix) without generating a prime.
 * modp2 is RFC 2409's 1024-bit group, the size old servers still use; modp14 is RFC 3526's 2048-bit one.
 */
export function modpDhParametersPem(group: 'modp2' | 'modp14'): string {
  const dh = getDiffieHellman(group);
  const body = Buffer.concat([derUnsignedInteger(dh.getPrime()), derUnsignedInteger(dh.getGenerator())]);
  const der = Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN DH PARAMETERS-----\n${lines.join('\n')}\n-----END DH PARAMETERS-----\n`;
}

/**
 * tls.createSecureContext without Node's "DH parameter is less than 2048 bits" SecurityWarning, which it
 * prints on stderr for every context made with a small group: a simulated server that serves one does so
 * on purpose (the weak-DH cases), and `mxv demo` runs its world in the user's terminal. Every other
 * warning goes through; the call is synchronous, so the swap covers it alone.
 */
export function createSecureContextQuietly(options: tls.SecureContextOptions): tls.SecureContext {
  if (options.dhparam === undefined) return tls.createSecureContext(options);
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('DH parameter is less than')) return;
    (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return tls.createSecureContext(options);
  } finally {
    process.emitWarning = emitWarning;
  }
}
