import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSecureContextQuietly, createTestCa, modpDhParametersPem } from '@mxv/testkit';

const dir = mkdtempSync(join(tmpdir(), 'mxv-dh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('modpDhParametersPem', () => {
  it.each([
    ['modp2', 1024],
    ['modp14', 2048],
  ] as const)('%s: PKCS #3 parameters that openssl reads and checks as a %i-bit group', (group, bits) => {
    const file = join(dir, `${group}.pem`);
    writeFileSync(file, modpDhParametersPem(group));
    // The text goes to stdout, the check's verdict to stderr.
    const out = spawnSync('openssl', ['dhparam', '-in', file, '-noout', '-text', '-check'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const text = out.stdout + out.stderr;
    expect(text).toContain(`DH Parameters: (${bits} bit)`);
    expect(text).toContain('DH parameters appear to be ok.');
  });
});

describe('createSecureContextQuietly', () => {
  it("makes the context without Node's DH-size SecurityWarning, lets other warnings through, and puts emitWarning back", async () => {
    const ca = await createTestCa();
    const cert = await ca.issue({ names: ['mx.dh.test'], key: { type: 'rsa', bits: 2048 } });
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.message);
    process.on('warning', onWarning);
    const emitWarning = process.emitWarning;
    try {
      const context = createSecureContextQuietly({
        cert: cert.chainPem,
        key: cert.keyPem,
        dhparam: modpDhParametersPem('modp2'),
      });
      expect(context.context).toBeDefined();
      expect(process.emitWarning).toBe(emitWarning);
      process.emitWarning('another warning, not ours to hide');
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual(['another warning, not ours to hide']);
    } finally {
      process.off('warning', onWarning);
    }
    expect(new X509Certificate(cert.certPem).publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});
