import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Running } from './real-servers.js';

/** A DNSSEC key made by ldns-keygen: its file base name, and its DS record as one zone-file line. */
export interface ZoneKey {
  base: string;
  ds: string;
}

/** A KSK (flag 257) for `zone`, ECDSA P-256 (algorithm 13), written in `dir`; one key signs the whole zone. */
export function makeKey(dir: string, zone: string): ZoneKey {
  const base = execFileSync('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', `${zone}.`], { cwd: dir, encoding: 'utf8' }).trim();
  const ds = readFileSync(join(dir, `${base}.ds`), 'utf8')
    .trim()
    .split(/\s+/)
    .join(' ');
  return { base, ds };
}

/**
 * Signs `zoneFile` with `key` into `<zoneFile>.signed`. `expired` dates every
 * signature in the past (inception 2019, expiration 2020): a validator finds
 * them expired (RFC 4035 5.3.1), which Unbound reports as EDE 7.
 */
export function signZone(dir: string, zoneFile: string, key: ZoneKey, expired = false): string {
  const dates = expired ? ['-i', '20190101000000', '-e', '20200101000000'] : [];
  execFileSync('ldns-signzone', [...dates, '-f', `${zoneFile}.signed`, zoneFile, key.base], { cwd: dir });
  return `${zoneFile}.signed`;
}

/** NSD serving the given zone files (names relative to `dir`) on ip:port, in the foreground, no database. */
export async function startNsd(
  dir: string,
  ip: string,
  port: number,
  zones: Array<{ name: string; file: string }>,
): Promise<Running> {
  const logFile = join(dir, 'nsd.log');
  writeFileSync(
    join(dir, 'nsd.conf'),
    [
      'server:',
      `  ip-address: ${ip}@${port}`,
      `  port: ${port}`,
      '  username: ""',
      '  chroot: ""',
      `  zonesdir: "${dir}"`,
      '  database: ""',
      `  zonelistfile: "${join(dir, 'zone.list')}"`,
      `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
      `  xfrdir: "${dir}"`,
      `  pidfile: "${join(dir, 'nsd.pid')}"`,
      `  logfile: "${logFile}"`,
      '  server-count: 1',
      '  verbosity: 1',
      'remote-control:',
      '  control-enable: no',
      ...zones.flatMap((zone) => ['zone:', `  name: "${zone.name === '.' ? '' : zone.name}."`, `  zonefile: "${zone.file}"`]),
      '',
    ].join('\n'),
  );
  const child = spawn('nsd', ['-d', '-c', join(dir, 'nsd.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const log = (): string => output + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  // NSD answers once it has loaded its zones: ask for the first zone's SOA until it does.
  const first = zones[0]?.name ?? '.';
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const out = execFileSync('dig', [`@${ip}`, '-p', String(port), '+norec', '+time=1', '+tries=1', first, 'SOA'], {
        encoding: 'utf8',
      });
      if (/status: NOERROR/.test(out)) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nsd did not start\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** `dig` against one resolver: the header's status and flags, and any EDE line, as a person reads them. */
export function dig(
  server: string,
  port: number,
  name: string,
  type: string,
  extra: string[] = [],
): { status: string; flags: string[]; ede: string | null; text: string } {
  let text: string;
  try {
    text = execFileSync('dig', [`@${server}`, '-p', String(port), '+dnssec', '+time=3', '+tries=1', ...extra, name, type], {
      encoding: 'utf8',
    });
  } catch (error) {
    text = String((error as { stdout?: string }).stdout ?? error);
  }
  const status = /status: ([A-Z]+)/.exec(text)?.[1] ?? 'none';
  const flags = (/;; flags: ([a-z ]+);/.exec(text)?.[1] ?? '').trim().split(/\s+/);
  const ede = /; EDE: ([^\n]+)/.exec(text)?.[1] ?? null;
  return { status, flags, ede, text };
}

/**
 * `posttls-finger -l dane DOMAIN` as Postfix's own DANE client sees the domain:
 * MX, addresses and TLSA through `resolver` (glibc reads /etc/resolv.conf only,
 * so it runs in a private mount namespace where that file names our Unbound,
 * with `trust-ad` so the AD bit reaches the client), Postfix settings from `configDir`.
 */
export function posttlsFinger(
  dir: string,
  configDir: string,
  resolver: string,
  domain: string,
  extraArgs: readonly string[] = [],
): string {
  const resolvConf = join(dir, 'resolv.conf');
  writeFileSync(resolvConf, `nameserver ${resolver}\noptions trust-ad edns0\n`);
  const script = 'mount --bind "$1" /etc/resolv.conf && shift && exec posttls-finger -c -l dane -o disable_dns_lookups=no "$@"';
  try {
    return execFileSync('unshare', ['-m', 'sh', '-c', script, 'sh', resolvConf, ...extraArgs, domain], {
      encoding: 'utf8',
      env: { ...process.env, MAIL_CONFIG: configDir },
      timeout: 20_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  }
}
