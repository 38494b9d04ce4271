import { getDiffieHellman } from 'node:crypto';

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
