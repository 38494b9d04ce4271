import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as net from 'node:net';

/**
 * Real mail servers and a real resolver from Debian's packages, each started
 * with a configuration of its own in a temporary directory, listening on
 * loopback only, never delivering anything (issue 6, "Real mail servers").
 */

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface PostfixService {
  ip: string;
  hostname: string;
  /** RFC 3207 STARTTLS offered (may) or not (none). */
  tls: TlsFiles | null;
  /**
   * Also the submission ports (needs `tls`): 587 with STARTTLS required, and
   * 465 with TLS first (smtpd_tls_wrappermode, RFC 8314 implicit TLS).
   */
  submission?: boolean;
  /** The same smtpd on port 25 of this IPv6 address too (e.g. "::1"): an exchange with A and AAAA records. */
  ipv6?: string;
  /** More smtpd settings for port 25 (master.cf `-o name=value`; values without blanks). */
  smtpdOptions?: Record<string, string>;
  /**
   * postscreen(8) in front of smtpd on port 25, as many Postfix sites run it:
   * a multi-line greeting whose last line waits `greetWaitSeconds` (the
   * pregreet test, enforced: a client that talks early is dropped); with
   * `deepProtocolTests`, postscreen's own SMTP engine answers EHLO and STARTTLS
   * (through tlsproxy) and enforces the pipelining, non-SMTP-command and
   * bare-newline tests. Loopback clients are tested too (no mynetworks bypass).
   */
  postscreen?: {
    greetWaitSeconds: number;
    deepProtocolTests: boolean;
    /** Loopback clients are on postscreen's block list and dropped with its 521 greeting (as a prober's address can be). */
    blocklisted?: boolean;
    /**
     * A DNS block list postscreen asks about each client (`postscreen_dnsbl_sites`, threshold 1) and drops
     * one it lists (`postscreen_dnsbl_action = drop`): after its `220-` teaser, a 521 line. Asked through
     * the resolver given to startPostfix.
     */
    dnsblZone?: string;
  };
}

export interface PostfixOptions {
  /**
   * The IPv4 address of the resolver Postfix's own lookups use (postscreen's dnsblog reads
   * /etc/resolv.conf): Postfix then runs in a mount namespace of its own where that file names it,
   * so nothing Postfix asks reaches the machine's resolver.
   */
  resolver?: string;
}

export interface Running {
  stop(): Promise<void>;
  /** The server's own log, for failure messages. */
  log(): string;
}

function run(cmd: string, args: string[]): string {
  const out = spawnSync(cmd, args, { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${out.status}\n${out.stdout}${out.stderr}`);
  return out.stdout + out.stderr;
}

/**
 * What this process added to the machine outside its own directories (system users, directories a
 * package's binary expects), to be taken back by restoreMachine once the servers are stopped. Only what
 * was not there before is recorded: a machine that has the package installed keeps its own.
 */
const machineChanges: Array<{ what: string; undo: () => void }> = [];

/** A directory and its missing ancestors, the ones created recorded for restoreMachine (rmdir, deepest first). */
function ensureMachineDirectory(path: string): void {
  const missing: string[] = [];
  for (let at = path; !existsSync(at); at = dirname(at)) missing.push(at);
  mkdirSync(path, { recursive: true });
  for (const made of missing.reverse()) machineChanges.push({ what: `directory ${made}`, undo: () => rmdirSync(made) });
}

/**
 * Takes back what the servers of this process added to the machine (in reverse order), once they are
 * stopped; what cannot be taken back (a user still running a process) is left, with a warning.
 */
export function restoreMachine(): void {
  for (const change of machineChanges.splice(0).reverse()) {
    try {
      change.undo();
    } catch (error) {
      console.warn(`interop: could not take back ${change.what}: ${String(error)}`);
    }
  }
}

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

function readable(dir: string): void {
  // The MTAs drop privileges: their users must traverse the directory and read the config.
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
}

async function waitListening(ip: string, port: number, what: string, log: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: ip, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} not listening on ${ip}:${port}\n${log()}`);
}

/**
 * Postfix with its own config directory (`postfix -c DIR start`): one smtpd per
 * address on port 25, nothing delivered (no local domains, default transport
 * "error"), no DNS lookups of its own (peer names are not looked up).
 */
export async function startPostfix(dir: string, services: PostfixService[], options: PostfixOptions = {}): Promise<Running> {
  readable(dir);
  const conf = join(dir, 'conf');
  const data = join(dir, 'data');
  for (const d of [conf, join(dir, 'spool'), data]) mkdirSync(d, { recursive: true });
  execFileSync('chown', ['postfix:postfix', data]);
  const maillog = join(dir, 'maillog');
  writeFileSync(
    join(conf, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${join(dir, 'spool')}`,
      `data_directory = ${data}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = postfix.interop.test',
      'mydestination =',
      'relay_domains =',
      'local_recipient_maps =',
      'alias_maps =',
      'alias_database =',
      'default_transport = error',
      'local_transport = error',
      // Postfix checks inet_interfaces against interface addresses; lo carries only 127.0.0.1/8,
      // so the per-address binding is done in master.cf instead.
      'inet_interfaces = all',
      services.some((s) => s.ipv6 !== undefined) ? 'inet_protocols = all' : 'inet_protocols = ipv4',
      'smtpd_peername_lookup = no',
      'disable_dns_lookups = yes',
      'smtpd_banner = $myhostname ESMTP Postfix',
      `maillog_file = ${maillog}`,
      `maillog_file_prefixes = ${dir}`,
      'biff = no',
      '',
    ].join('\n'),
  );
  const lines = services.flatMap((s, index) => {
    const files = s.tls ? `-o smtpd_tls_cert_file=${s.tls.certFile} -o smtpd_tls_key_file=${s.tls.keyFile}` : '';
    const extra = Object.entries(s.smtpdOptions ?? {}).map(([name, value]) => `-o ${name}=${value}`);
    const tls = [s.tls ? `-o smtpd_tls_security_level=may ${files}` : '-o smtpd_tls_security_level=none', ...extra].join(' ');
    const relay = s.postscreen
      ? postscreenLines(s, s.postscreen, index, data, tls)
      : [s.ip, ...(s.ipv6 !== undefined ? [`[${s.ipv6}]`] : [])].map(
          (address) => `${address}:25 inet n - n - - smtpd -o myhostname=${s.hostname} ${tls}`,
        );
    if (!s.submission || !s.tls) return relay;
    return [
      ...relay,
      `${s.ip}:587 inet n - n - - smtpd -o myhostname=${s.hostname} -o smtpd_tls_security_level=encrypt ${files}`,
      `${s.ip}:465 inet n - n - - smtpd -o myhostname=${s.hostname} -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt ${files}`,
    ];
  });
  writeFileSync(
    join(conf, 'master.cf'),
    [
      ...lines,
      'anvil unix - - n - 1 anvil',
      'tlsmgr unix - - n 1000? 1 tlsmgr',
      'proxymap unix - - n - - proxymap',
      'postlog unix-dgram n - n - 1 postlogd',
      ...(services.some((s) => s.postscreen) ? ['dnsblog unix - - n - 0 dnsblog'] : []),
      '',
    ].join('\n'),
  );
  const log = (): string => (existsSync(maillog) ? readFileSync(maillog, 'utf8') : '(no maillog)');
  if (options.resolver === undefined) {
    run('postfix', ['-c', conf, 'start']);
  } else {
    // master(8) and every daemon it starts stay in the namespace (private mounts) after `postfix start` returns.
    const resolvConf = join(dir, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${options.resolver}\noptions timeout:2 attempts:1\n`);
    run('unshare', ['--mount', 'sh', '-c', `mount --bind ${resolvConf} /etc/resolv.conf && exec postfix -c ${conf} start`]);
  }
  for (const s of services) {
    for (const port of s.submission && s.tls ? [25, 587, 465] : [25]) await waitListening(s.ip, port, 'postfix', log);
    if (s.ipv6 !== undefined) await waitListening(s.ipv6, 25, 'postfix', log);
  }
  return {
    log,
    async stop() {
      spawnSync('postfix', ['-c', conf, 'stop']);
    },
  };
}

/** postscreen on port 25 handing passed clients to an smtpd of its own (and, for its STARTTLS, a tlsproxy of its own). */
function postscreenLines(
  s: PostfixService,
  postscreen: NonNullable<PostfixService['postscreen']>,
  index: number,
  data: string,
  smtpdTls: string,
): string[] {
  const { greetWaitSeconds, deepProtocolTests, blocklisted = false, dnsblZone } = postscreen;
  const blockList = join(data, `postscreen-${index}-block.cidr`);
  if (blocklisted) writeFileSync(blockList, '127.0.0.0/8 reject\n');
  const smtpd = `smtpd-ps${index}`;
  const tlsproxy = `tlsproxy-ps${index}`;
  const deep = deepProtocolTests
    ? ['pipelining', 'non_smtp_command', 'bare_newline'].map(
        (t) => `-o postscreen_${t}_enable=yes -o postscreen_${t}_action=enforce`,
      )
    : [];
  const tls = s.tls
    ? `-o postscreen_tls_security_level=may -o tlsproxy_service_name=${tlsproxy}`
    : '-o postscreen_tls_security_level=none';
  return [
    [
      `${s.ip}:25 inet n - n - 1 postscreen -o myhostname=${s.hostname}`,
      // Loopback is in mynetworks, which postscreen's default access list lets through untested.
      blocklisted
        ? `-o postscreen_access_list=cidr:${blockList} -o postscreen_blacklist_action=drop`
        : '-o postscreen_access_list=',
      `-o postscreen_greet_wait=${greetWaitSeconds}s -o postscreen_greet_action=enforce`,
      ...(dnsblZone !== undefined
        ? [`-o postscreen_dnsbl_sites=${dnsblZone} -o postscreen_dnsbl_threshold=1 -o postscreen_dnsbl_action=drop`]
        : []),
      `-o postscreen_cache_map=btree:${join(data, `postscreen-${index}`)}`,
      `-o smtpd_service_name=${smtpd}`,
      tls,
      ...deep,
    ].join(' '),
    `${smtpd} pass - - n - - smtpd -o myhostname=${s.hostname} ${smtpdTls}`,
    ...(s.tls
      ? [
          `${tlsproxy} unix - - n - 0 tlsproxy -o tlsproxy_tls_security_level=may` +
            ` -o tlsproxy_tls_cert_file=${s.tls.certFile} -o tlsproxy_tls_key_file=${s.tls.keyFile}`,
        ]
      : []),
  ];
}

/**
 * A binary from Debian packages that cannot be installed beside what is (Exim conflicts with Postfix as a
 * package) or whose installation would start a service (bind9 starts named, which would query the root
 * servers): the .debs are downloaded (Debian's registry) and unpacked, once per machine, without running
 * their scripts. Their libraries come from packages .ci/run installs.
 */
function unpackedDebianBinary(cacheName: string, packages: readonly string[], binary: string): string {
  const cache = join(tmpdir(), cacheName);
  const path = join(cache, 'root', binary);
  if (existsSync(path)) return path;
  mkdirSync(cache, { recursive: true });
  chmodSync(cache, 0o777); // apt's _apt user downloads into it
  run('sh', ['-c', `cd ${cache} && apt-get download -q ${packages.join(' ')}`]);
  for (const deb of readdirSync(cache).filter((f) => f.endsWith('.deb'))) {
    run('dpkg', ['-x', join(cache, deb), join(cache, 'root')]);
  }
  return path;
}

export function eximBinary(): string {
  return unpackedDebianBinary('mxv-exim-debs', ['exim4-daemon-light', 'exim4-base'], 'usr/sbin/exim4');
}

/** A system user (and its group) as the package's maintainer script would create it; these runs skip those scripts. */
function ensureSystemUser(name: string): void {
  if (spawnSync('id', [name]).status === 0) return;
  run('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--home-dir',
    '/nonexistent',
    '--shell',
    '/usr/sbin/nologin',
    name,
  ]);
  // userdel takes the user's own group too (useradd --user-group made it).
  machineChanges.push({ what: `user ${name}`, undo: () => run('userdel', [name]) });
}

export interface EximOptions {
  /**
   * `tls_require_ciphers`: a GnuTLS priority string (Debian's Exim is built with GnuTLS), e.g.
   * `NORMAL:-VERS-TLS1.3:%DISABLE_SAFE_RENEGOTIATION` for a server without RFC 5746 renegotiation_info.
   */
  tlsRequireCiphers?: string;
}

/** Exim on one address, port 25 (`-bd -oX ADDR.25`), STARTTLS with the given certificate, refusing every recipient. */
export async function startExim(
  dir: string,
  ip: string,
  hostname: string,
  tls: TlsFiles,
  options: EximOptions = {},
): Promise<Running> {
  const binary = eximBinary();
  ensureSystemUser('Debian-exim');
  readable(dir);
  const spool = join(dir, 'spool');
  const logDir = join(dir, 'log');
  for (const d of [spool, logDir]) mkdirSync(d, { recursive: true });
  for (const path of [spool, logDir, tls.certFile, tls.keyFile]) execFileSync('chown', ['Debian-exim:Debian-exim', path]);
  const config = join(dir, 'exim.conf');
  writeFileSync(
    config,
    [
      `primary_hostname = ${hostname}`,
      `spool_directory = ${spool}`,
      `log_file_path = ${logDir}/%slog`,
      'exim_user = Debian-exim',
      'exim_group = Debian-exim',
      'never_users = root',
      'keep_environment =',
      // No reverse lookups or ident callbacks of the client: Exim asks nothing of anyone.
      'host_lookup =',
      'rfc1413_hosts =',
      'domainlist local_domains =',
      'acl_smtp_rcpt = acl_check_rcpt',
      'tls_advertise_hosts = *',
      `tls_certificate = ${tls.certFile}`,
      `tls_privatekey = ${tls.keyFile}`,
      ...(options.tlsRequireCiphers !== undefined ? [`tls_require_ciphers = ${options.tlsRequireCiphers}`] : []),
      'begin acl',
      'acl_check_rcpt:',
      '  deny message = no mail here',
      'begin routers',
      'begin transports',
      '',
    ].join('\n'),
  );
  // -bdf: the -bd daemon kept in the foreground, so it is our child and ends with it.
  return startListening(
    binary,
    ['-C', config, '-bdf', '-oX', `${ip}.25`, '-oP', join(dir, 'exim.pid')],
    { ip, port: 25, what: 'exim' },
    (output) => {
      const main = join(logDir, 'mainlog');
      const panic = join(logDir, 'paniclog');
      return [
        output,
        existsSync(main) ? readFileSync(main, 'utf8') : '',
        existsSync(panic) ? readFileSync(panic, 'utf8') : '',
      ].join('\n');
    },
  );
}

export function opensmtpdBinary(): string {
  return unpackedDebianBinary('mxv-opensmtpd-debs', ['opensmtpd'], 'usr/sbin/smtpd');
}

/**
 * OpenSMTPD as Debian 12 ships it (6.8.0p2 on OpenSSL 3) on one address, port 25, STARTTLS offered with the
 * given certificate, refusing every recipient. Its paths are built in (queue under /var/spool/smtpd, control
 * socket in /run), so it runs in a mount namespace of its own with private ones, and with a resolv.conf naming
 * `resolver`: it looks up each client's name, and must ask no resolver but ours.
 */
export async function startOpensmtpd(
  dir: string,
  ip: string,
  hostname: string,
  tls: TlsFiles,
  resolver: string,
): Promise<Running> {
  const binary = opensmtpdBinary();
  // The users of its privilege separation, and the empty directory its unprivileged processes chroot into.
  for (const user of ['opensmtpd', 'opensmtpq']) ensureSystemUser(user);
  ensureMachineDirectory('/var/lib/opensmtpd/empty');
  readable(dir);
  const spool = join(dir, 'spool');
  const runDir = join(dir, 'run');
  for (const d of [spool, runDir]) mkdirSync(d, { recursive: true });
  const resolvConf = join(dir, 'resolv.conf');
  writeFileSync(resolvConf, `nameserver ${resolver}\noptions timeout:2 attempts:1\n`);
  const config = join(dir, 'smtpd.conf');
  writeFileSync(
    config,
    [
      `pki ${hostname} cert "${tls.certFile}"`,
      `pki ${hostname} key "${tls.keyFile}"`,
      `listen on ${ip} port 25 tls pki ${hostname} hostname ${hostname}`,
      'match from any for any reject',
      '',
    ].join('\n'),
  );
  const mounts = [`${resolvConf} /etc/resolv.conf`, `${spool} /var/spool`, `${runDir} /run`].map((m) => `mount --bind ${m}`);
  // -d: in the foreground (our child, ending with it), logging to stderr.
  const sh = `${mounts.join(' && ')} && exec ${binary} -d -f ${config}`;
  return startListening('unshare', ['--mount', 'sh', '-c', sh], { ip, port: 25, what: 'opensmtpd' });
}

function sendmailRoot(): string {
  const binary = unpackedDebianBinary('mxv-sendmail-debs', ['sendmail-bin', 'sendmail-cf'], 'usr/libexec/sendmail/sendmail');
  return binary.slice(0, -'usr/libexec/sendmail/sendmail'.length);
}

/**
 * Sendmail 8.17 as Debian 12 ships it on one address, port 25, STARTTLS with the given certificate (its
 * sendmail.cf made from a .mc by m4 with sendmail-cf's macros), delivering nothing (no local names, every
 * recipient relayed nowhere). It insists on a fully qualified name for itself, found in its own host table,
 * before it listens (sleeping a minute per try otherwise): it runs in UTS and mount namespaces of its own,
 * named `hostname`, with an /etc/hosts that says so and a resolv.conf naming `resolver`. It looks client
 * names up in that host table only (its service.switch), so it asks no resolver for them.
 */
export async function startSendmail(
  dir: string,
  ip: string,
  hostname: string,
  tls: TlsFiles,
  resolver: string,
): Promise<Running> {
  const root = sendmailRoot();
  readable(dir);
  const queue = join(dir, 'mqueue');
  mkdirSync(queue, { recursive: true, mode: 0o700 });
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const hosts = file('hosts', `127.0.0.1 localhost\n${ip} ${hostname} ${hostname.split('.')[0] ?? hostname}\n`);
  const resolvConf = file('resolv.conf', `nameserver ${resolver}\noptions timeout:2 attempts:1\n`);
  const serviceSwitch = file('service.switch', 'hosts files\naliases files\n');
  const statistics = file('statistics', '');
  const mc = file(
    'sendmail.mc',
    [
      "OSTYPE(`linux')dnl",
      `define(\`confDOMAIN_NAME', \`${hostname}')dnl`,
      `define(\`confSERVICE_SWITCH_FILE', \`${serviceSwitch}')dnl`,
      // Its files sit under /tmp, world-writable with the sticky bit, which it otherwise calls unsafe.
      "define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl",
      "define(`confDONT_PROBE_INTERFACES', `True')dnl",
      "define(`confTO_IDENT', `0')dnl",
      `define(\`confSERVER_CERT', \`${tls.certFile}')dnl`,
      `define(\`confSERVER_KEY', \`${tls.keyFile}')dnl`,
      `define(\`confCACERT', \`${tls.certFile}')dnl`,
      "define(`confCACERT_PATH', `/etc/ssl/certs')dnl",
      `define(\`QUEUE_DIR', \`${queue}')dnl`,
      `define(\`STATUS_FILE', \`${statistics}')dnl`,
      `define(\`confPID_FILE', \`${join(dir, 'sendmail.pid')}')dnl`,
      "define(`ALIAS_FILE', `')dnl",
      `DAEMON_OPTIONS(\`Family=inet, Name=MTA, Addr=${ip}, Port=25')dnl`,
      "FEATURE(`no_default_msa')dnl",
      "MAILER(`smtp')dnl",
      '',
    ].join('\n'),
  );
  const cfDir = join(root, 'usr/share/sendmail/cf');
  const config = file('sendmail.cf', run('m4', [`-D_CF_DIR_=${cfDir}/`, join(cfDir, 'm4/cf.m4'), mc]));
  const mounts = [`${resolvConf} /etc/resolv.conf`, `${hosts} /etc/hosts`].map((m) => `mount --bind ${m}`);
  const binary = join(root, 'usr/libexec/sendmail/sendmail');
  // -bD: the daemon in the foreground (our child, ending with it).
  const sh = `hostname ${hostname} && ${mounts.join(' && ')} && exec ${binary} -bD -C ${config}`;
  return startListening('unshare', ['--uts', '--mount', 'sh', '-c', sh], { ip, port: 25, what: 'sendmail' });
}

/**
 * Root hints naming one root server on a loopback address nothing listens on: a resolver started with them
 * can reach no name outside the zones it is given, and never primes from the real root servers.
 */
function writeSilentRootHints(dir: string): void {
  writeFileSync(join(dir, 'root.hints'), '.  3600000 NS a.root.invalid.\na.root.invalid. 3600000 A 127.0.0.254\n');
}

/** A DS record as ldns-keygen writes it: `owner [TTL] [IN] DS key-tag algorithm digest-type digest`. */
function parseDsLine(line: string): { owner: string; keyTag: string; algorithm: string; digestType: string; digest: string } {
  const fields = line.trim().split(/\s+/);
  const ds = fields.indexOf('DS');
  const [keyTag, algorithm, digestType, ...digest] = fields.slice(ds + 1);
  if (ds < 1 || keyTag === undefined || algorithm === undefined || digestType === undefined || digest.length === 0) {
    throw new Error(`not a DS line: ${line}`);
  }
  return { owner: fields[0] ?? '', keyTag, algorithm, digestType, digest: digest.join('') };
}

export interface NamedSetup {
  /** On 127.0.0.1: named listens on interface addresses only, and the other 127.x addresses are not. */
  port: number;
  /** zone → address of its authoritative server (port 53). */
  stubs: Record<string, string>;
  /** DS records (zone-file lines, as ldns-keygen writes them) to validate from. */
  trustAnchors: string[];
}

/**
 * BIND's named as a second validating resolver beside Unbound: recursion to
 * the given authoritative servers only (static-stub zones; root hints name a
 * silent loopback address, so nothing is ever asked beyond them), DNSSEC
 * validated from the given DS records, nothing cached for long.
 */
export async function startNamed(dir: string, setup: NamedSetup): Promise<Running & { address: string }> {
  const named = unpackedDebianBinary('mxv-bind-debs', ['bind9'], 'usr/sbin/named');
  readable(dir);
  writeSilentRootHints(dir);
  const anchors = setup.trustAnchors.map((line) => {
    const ds = parseDsLine(line);
    return `  "${ds.owner}" static-ds ${ds.keyTag} ${ds.algorithm} ${ds.digestType} "${ds.digest}";`;
  });
  writeFileSync(
    join(dir, 'named.conf'),
    [
      'options {',
      `  directory "${dir}";`,
      `  pid-file "${join(dir, 'named.pid')}";`,
      `  listen-on port ${setup.port} { 127.0.0.1; };`,
      '  listen-on-v6 { none; };',
      '  recursion yes;',
      '  allow-query { 127.0.0.0/8; };',
      '  allow-recursion { 127.0.0.0/8; };',
      '  dnssec-validation yes;',
      '  notify no;',
      '  max-cache-ttl 1;',
      '  max-ncache-ttl 1;',
      '  qname-minimization off;',
      '  max-cache-size 32m;',
      '};',
      // No rndc channel (Debian's would take 127.0.0.1:953 with /etc/bind/rndc.key, where there is one).
      'controls { };',
      `trust-anchors {`,
      ...anchors,
      '};',
      `zone "." { type hint; file "${join(dir, 'root.hints')}"; };`,
      ...Object.entries(setup.stubs).map(
        ([zone, address]) => `zone "${zone}" { type static-stub; server-addresses { ${address}; }; };`,
      ),
      '',
    ].join('\n'),
  );
  // -g: foreground, every log line to stderr; -4: IPv4 only; no -u: stays root (its directory is ours).
  const server = await startListening(
    named,
    ['-g', '-4', '-c', join(dir, 'named.conf')],
    { ip: '127.0.0.1', port: setup.port, what: 'named' },
    // The start-up banner and the automatic empty zones are not what a failure needs.
    (output) =>
      output
        .split('\n')
        .filter((line) => !line.includes('automatic empty zone'))
        .join('\n'),
  );
  return { address: `127.0.0.1:${setup.port}`, log: server.log, stop: server.stop };
}

export interface PdnsRecursorSetup {
  /** On 127.0.0.1, as named. */
  port: number;
  /** zone → "ip:port" of its authoritative server (forward-zones: asked without recursion). */
  forwards: Record<string, string>;
  /** DS records (zone-file lines) to validate from; the recursor validates (`dnssec=validate`). */
  trustAnchors: string[];
}

/**
 * PowerDNS Recursor as a third validating resolver beside Unbound and named,
 * with RFC 8914 Extended DNS Errors on: the test zones are forward zones; the
 * root hints name a silent loopback address (its built-in ones would make it
 * prime from the real root servers), nothing is cached for long.
 */
export async function startPdnsRecursor(dir: string, setup: PdnsRecursorSetup): Promise<Running & { address: string }> {
  // Unpacked, as named: installing pdns-recursor would start a resolver that primes from the root servers.
  const recursor = unpackedDebianBinary('mxv-pdns-debs', ['pdns-recursor'], 'usr/sbin/pdns_recursor');
  readable(dir);
  writeSilentRootHints(dir);
  writeFileSync(
    join(dir, 'recursor.lua'),
    setup.trustAnchors
      .map((line) => {
        const ds = parseDsLine(line);
        return `addTA('${ds.owner}', '${ds.keyTag} ${ds.algorithm} ${ds.digestType} ${ds.digest}')`;
      })
      .join('\n'),
  );
  writeFileSync(
    join(dir, 'recursor.conf'),
    [
      `config-dir=${dir}`,
      `socket-dir=${dir}`,
      'local-address=127.0.0.1',
      `local-port=${setup.port}`,
      'allow-from=127.0.0.0/8',
      'dnssec=validate',
      'extended-resolution-errors=yes',
      `hint-file=${join(dir, 'root.hints')}`,
      `lua-config-file=${join(dir, 'recursor.lua')}`,
      `forward-zones=${Object.entries(setup.forwards)
        .map(([zone, address]) => `${zone}=${address}`)
        .join(',')}`,
      'qname-minimization=no',
      // No security-status poll (a TXT question under secpoll.powerdns.com, which would go to the root hints).
      'security-poll-suffix=',
      'max-cache-ttl=1',
      'max-negative-ttl=1',
      'threads=1',
      'daemon=no',
      'write-pid=no',
      'disable-syslog=yes',
      'loglevel=6',
      '',
    ].join('\n'),
  );
  const server = await startListening(recursor, [`--config-dir=${dir}`], {
    ip: '127.0.0.1',
    port: setup.port,
    what: 'pdns_recursor',
  });
  return { address: `127.0.0.1:${setup.port}`, log: server.log, stop: server.stop };
}

export interface DnsmasqSetup {
  /** On 127.0.0.1, as named. */
  port: number;
  /** "ip#port" of the server every question goes to (--server): here the zones' authoritative server, root included. */
  upstream: string;
  /** DS records (zone-file lines) of the root to validate from (--dnssec --trust-anchor): dnsmasq starts nowhere else. */
  trustAnchors: string[];
}

/**
 * dnsmasq (Debian's dnsmasq-base, the forwarder of home routers, libvirt and
 * many containers) as a fourth validating resolver: it forwards every question
 * to one upstream and validates the answers itself (--dnssec) from the root's
 * trust anchor (its cache stays: DNSSEC needs it), with no resolv.conf and no
 * hosts file, so it asks nobody else.
 */
export async function startDnsmasq(dir: string, setup: DnsmasqSetup): Promise<Running & { address: string }> {
  readable(dir);
  const anchors = setup.trustAnchors.map((line) => {
    const ds = parseDsLine(line);
    const owner = ds.owner === '.' ? '.' : ds.owner.replace(/\.$/, '');
    return `--trust-anchor=${owner},${ds.keyTag},${ds.algorithm},${ds.digestType},${ds.digest}`;
  });
  const server = await startListening(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--log-facility=-',
      '--log-queries',
      `--pid-file=${join(dir, 'dnsmasq.pid')}`,
      `--conf-file=/dev/null`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      `--port=${setup.port}`,
      '--no-resolv',
      '--no-hosts',
      '--no-poll',
      '--user=root',
      '--dnssec',
      ...anchors,
      `--server=${setup.upstream}`,
    ],
    { ip: '127.0.0.1', port: setup.port, what: 'dnsmasq' },
  );
  return { address: `127.0.0.1:${setup.port}`, log: server.log, stop: server.stop };
}

export interface KnotResolverSetup {
  /** On 127.0.0.1, as named. */
  port: number;
  /** "ip@port" of the server every question goes to (policy.FORWARD): the zones' authoritative server, root included. */
  upstream: string;
  /** DS records (zone-file lines) of the root to validate from (the built-in root key is removed). */
  trustAnchors: string[];
}

/** Where Knot Resolver looks for its Lua modules: built in, so the unpacked ones are mounted there. */
const KRESD_MODULE_DIR = '/usr/lib/x86_64-linux-gnu/knot-resolver';

/**
 * Knot Resolver 5.6 (CZ.NIC's kresd) as a fifth validating resolver: every
 * question forwarded to one upstream (policy.FORWARD validates what comes
 * back) from the root's trust anchor. Unpacked, as named: installing it would
 * start a resolver that asks the root servers. Its Lua modules live at a path
 * built into the binary, so it runs in a mount namespace where the unpacked
 * ones are mounted there.
 */
export async function startKnotResolver(dir: string, setup: KnotResolverSetup): Promise<Running & { address: string }> {
  const kresd = unpackedDebianBinary(
    'mxv-kresd-debs',
    ['knot-resolver', 'libknot13', 'libzscanner4', 'libdnssec9', 'libxdp1'],
    'usr/sbin/kresd',
  );
  const root = kresd.slice(0, -'usr/sbin/kresd'.length);
  readable(dir);
  const cacheDir = join(dir, 'cache');
  mkdirSync(cacheDir, { recursive: true });
  const [host, port] = setup.upstream.split('@') as [string, string];
  writeFileSync(
    join(dir, 'kresd.lua'),
    [
      `net.listen('127.0.0.1', ${setup.port}, { kind = 'dns' })`,
      `cache.open(10 * MB, 'lmdb://${cacheDir}')`,
      "trust_anchors.remove('.')",
      ...setup.trustAnchors.map((line) => {
        const ds = parseDsLine(line);
        return `trust_anchors.add('${ds.owner} DS ${ds.keyTag} ${ds.algorithm} ${ds.digestType} ${ds.digest}')`;
      }),
      `policy.add(policy.all(policy.FORWARD({'${host}@${port}'})))`,
      '',
    ].join('\n'),
  );
  ensureMachineDirectory(KRESD_MODULE_DIR);
  const libraries = join(root, 'usr/lib/x86_64-linux-gnu');
  const mount = `mount --bind ${join(libraries, 'knot-resolver')} ${KRESD_MODULE_DIR}`;
  const sh = `${mount} && LD_LIBRARY_PATH=${libraries} exec ${kresd} -n -c ${join(dir, 'kresd.lua')} ${dir}`;
  const server = await startListening('unshare', ['--mount', 'sh', '-c', sh], {
    ip: '127.0.0.1',
    port: setup.port,
    what: 'kresd',
  });
  return { address: `127.0.0.1:${setup.port}`, log: server.log, stop: server.stop };
}

/** Where systemd-resolved's stub listens (built in): the resolver of most Ubuntu and Fedora machines' resolv.conf. */
export const RESOLVED_STUB_ADDRESS = '127.0.0.53';

/**
 * systemd-resolved 252 from Debian's package (unpacked: installing it would take over this machine's
 * resolv.conf) as the stub resolver a mail checker on a desktop or cloud image gets by default, forwarding
 * to `upstream` ("ip" or "ip#port") with its defaults otherwise: no DNSSEC validation, stub listener on
 * 127.0.0.53. No cache, no fallback servers, no LLMNR or mDNS: it asks `upstream` and nothing else. It runs in
 * a mount namespace of its own, with our /etc/systemd and /run (D-Bus is absent; it does without).
 */
export async function startSystemdResolved(dir: string, upstream: string): Promise<Running & { address: string }> {
  const binary = unpackedDebianBinary('mxv-resolved-debs', ['systemd-resolved'], 'lib/systemd/systemd-resolved');
  ensureSystemUser('systemd-resolve');
  readable(dir);
  const config = join(dir, 'etc-systemd');
  const runDir = join(dir, 'run');
  // It makes /run/systemd/resolve itself, owned by its user; /run/systemd must exist.
  for (const d of [config, join(runDir, 'systemd')]) mkdirSync(d, { recursive: true });
  writeFileSync(
    join(config, 'resolved.conf'),
    [
      '[Resolve]',
      `DNS=${upstream}`,
      'FallbackDNS=',
      'DNSSEC=no',
      'LLMNR=no',
      'MulticastDNS=no',
      'Cache=no',
      'DNSStubListener=yes',
      '',
    ].join('\n'),
  );
  const sh = `mount --bind ${config} /etc/systemd && mount --bind ${runDir} /run && exec ${binary}`;
  const server = await startListening('unshare', ['--mount', 'sh', '-c', sh], {
    ip: RESOLVED_STUB_ADDRESS,
    port: 53,
    what: 'systemd-resolved',
  });
  return { address: RESOLVED_STUB_ADDRESS, log: server.log, stop: server.stop };
}

export interface UnboundSetup {
  ip: string;
  port: number;
  /** zone → "ip@port" of its authoritative server (the testkit's). */
  stubs: Record<string, string>;
  /**
   * DS or DNSKEY records (zone-file lines) to validate from: with any, Unbound
   * validates DNSSEC (and sends RFC 8914 Extended DNS Errors); without, it does not.
   */
  trustAnchors?: string[];
}

/**
 * Unbound as the recursive resolver in front of the testkit's server: the test
 * zones are stub zones; the root hints point at a dead loopback address, so a
 * name outside them can never send a query off this machine.
 */
export async function startUnbound(dir: string, setup: UnboundSetup): Promise<Running & { address: string }> {
  readable(dir);
  const logFile = join(dir, 'unbound.log');
  writeSilentRootHints(dir);
  const stubs = Object.entries(setup.stubs).flatMap(([zone, addr]) => [
    'stub-zone:',
    `  name: "${zone}."`,
    `  stub-addr: ${addr}`,
  ]);
  const anchors = setup.trustAnchors ?? [];
  const validating = anchors.length > 0;
  const zoneLines = validating
    ? [...anchors.map((anchor) => `  trust-anchor: "${anchor}"`), '  ede: yes', '  val-log-level: 2']
    : Object.keys(setup.stubs).flatMap((zone) => [`  domain-insecure: "${zone}."`]);
  writeFileSync(
    join(dir, 'unbound.conf'),
    [
      'server:',
      `  interface: ${setup.ip}`,
      `  port: ${setup.port}`,
      '  do-ip6: no',
      '  do-not-query-localhost: no',
      '  username: ""',
      '  chroot: ""',
      `  directory: "${dir}"`,
      `  pidfile: "${join(dir, 'unbound.pid')}"`,
      `  root-hints: "${join(dir, 'root.hints')}"`,
      '  use-syslog: no',
      `  logfile: "${logFile}"`,
      '  verbosity: 1',
      // No DNSSEC validator unless trust anchors are given: the usual test zones are unsigned.
      validating ? '  module-config: "validator iterator"' : '  module-config: "iterator"',
      '  access-control: 127.0.0.0/8 allow',
      // Unbound answers .test itself (RFC 6761) unless told not to.
      '  local-zone: "test." nodefault',
      '  qname-minimisation: no',
      '  num-threads: 1',
      // Short timeouts: a silent authoritative server becomes SERVFAIL in seconds, not minutes.
      '  infra-cache-max-rtt: 500',
      '  outbound-msg-retry: 2',
      '  cache-max-ttl: 0',
      '  cache-max-negative-ttl: 0',
      ...zoneLines,
      ...stubs,
      'remote-control:',
      '  control-enable: no',
      '',
    ].join('\n'),
  );
  const server = await startListening(
    'unbound',
    ['-d', '-c', join(dir, 'unbound.conf')],
    { ip: setup.ip, port: setup.port, what: 'unbound' },
    (output) => output + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
  );
  return { address: `${setup.ip}:${setup.port}`, log: server.log, stop: server.stop };
}

export interface NginxVhost {
  /** server_name: the name a client asks for in its SNI and Host header. */
  name: string;
  tls: TlsFiles;
  /** Files served from this vhost's root: path under it → content. */
  files: Record<string, string | Uint8Array>;
  /** More directives inside its server block (`gzip on;`, `location ... { return 301 ...; }`, ...). */
  directives?: string[];
}

export interface NginxSetup {
  ip: string;
  port: number;
  /** The certificate of the default server, which answers a name that has no vhost (and closes: `return 444`). */
  defaultTls: TlsFiles;
  vhosts: NginxVhost[];
}

/**
 * nginx, the web server MTA-STS policies are most often served from: name-based
 * virtual hosts on one address (the certificate chosen by SNI), HTTP/2 offered
 * beside HTTP/1.1 (as most sites do), text/plain for .txt as Debian's mime.types
 * maps it. From Debian's package, unpacked (installing it would start a server
 * on port 80); its compiled-in paths under /var are all set into the test's directory.
 */
export async function startNginx(dir: string, setup: NginxSetup): Promise<Running> {
  const nginx = unpackedDebianBinary('mxv-nginx-debs', ['nginx'], 'usr/sbin/nginx');
  readable(dir);
  const listen = `listen ${setup.ip}:${setup.port} ssl http2`;
  const servers = setup.vhosts.map((vhost, index) => {
    const root = join(dir, `site-${index}`);
    for (const [path, content] of Object.entries(vhost.files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    readable(root);
    return [
      '  server {',
      `    ${listen};`,
      `    server_name ${vhost.name};`,
      `    ssl_certificate ${vhost.tls.certFile};`,
      `    ssl_certificate_key ${vhost.tls.keyFile};`,
      `    root ${root};`,
      ...(vhost.directives ?? []).map((line) => `    ${line}`),
      '  }',
    ];
  });
  const errorLog = join(dir, 'error.log');
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${errorLog} info;`,
      'worker_processes 1;',
      'events { worker_connections 64; }',
      'http {',
      `  access_log ${join(dir, 'access.log')};`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `  ${kind}_temp_path ${join(dir, `${kind}-temp`)};`),
      '  types { text/html html; text/plain txt; }',
      '  default_type application/octet-stream;',
      '  server {',
      `    ${listen} default_server;`,
      `    ssl_certificate ${setup.defaultTls.certFile};`,
      `    ssl_certificate_key ${setup.defaultTls.keyFile};`,
      '    return 444;',
      '  }',
      ...servers.flat(),
      '}',
      '',
    ].join('\n'),
  );
  // -e: the error log before the configuration is read (the compiled-in one is under /var/log/nginx).
  const server = await startListening(
    nginx,
    ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    { ip: setup.ip, port: setup.port, what: 'nginx' },
    (output) => output + (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''),
  );
  return { log: server.log, stop: server.stop };
}

export interface SwaksView {
  banner: string | null;
  ehlo: string[];
  tlsVersion: string | null;
  tlsCipher: string | null;
  raw: string;
}

/**
 * What swaks sees: greeting, EHLO keywords (before TLS), and the TLS version and cipher. Run without blocking
 * the test's event loop: a server may ask a DNS server that lives in the test process (postscreen's block list).
 */
export async function swaks(ip: string, tls: boolean): Promise<SwaksView> {
  const args = ['--server', `${ip}:25`, '--quit-after', 'EHLO', '--helo', 'swaks.interop.test', '-4', '--timeout', '10'];
  if (tls) args.push('--tls');
  const child = spawn('swaks', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let raw = '';
  child.stdout.on('data', (d: Buffer) => (raw += d.toString()));
  child.stderr.on('data', (d: Buffer) => (raw += d.toString()));
  await new Promise<void>((resolve) => {
    child.once('close', () => resolve());
    child.once('error', (error) => {
      raw += String(error);
      resolve();
    });
  });
  const replies = raw.split('\n').filter((l) => l.startsWith('<-  '));
  const banner = replies.find((l) => /^<- {2}220[ -]/.test(l))?.slice(8) ?? null;
  const ehloLines = replies.filter((l) => /^<- {2}250[ -]/.test(l)).map((l) => l.slice(8));
  const cipher = /TLS started with cipher ([^:]+):([^:]+):/.exec(raw);
  return { banner, ehlo: ehloLines.slice(1), tlsVersion: cipher?.[1] ?? null, tlsCipher: cipher?.[2] ?? null, raw };
}

export interface OpensslView {
  protocol: string | null;
  cipher: string | null;
  verifyCode: number | null;
  raw: string;
}

/** openssl s_client -starttls smtp: protocol, cipher and verify result against the CA and the name. */
/** `port` 465 is implicit TLS (no -starttls: the handshake comes first); any other port STARTTLS. */
export function opensslStarttls(
  ip: string,
  name: string,
  caFile: string,
  port = 25,
  extraArgs: readonly string[] = [],
): OpensslView {
  const starttls = port === 465 ? [] : ['-starttls', 'smtp'];
  const out = spawnSync(
    'openssl',
    [
      's_client',
      ...starttls,
      '-connect',
      `${ip}:${port}`,
      '-servername',
      name,
      '-CAfile',
      caFile,
      '-verify_hostname',
      name,
      ...extraArgs,
    ],
    { encoding: 'utf8', input: '', timeout: 15_000 },
  );
  const raw = out.stdout + out.stderr;
  // "New, TLSv1.3, Cipher is X" is always printed; the SSL-Session block only once a TLS 1.3
  // ticket has arrived, which depends on timing.
  const summary = /^New, (\S+), Cipher is (\S+)/m.exec(raw);
  return {
    protocol: summary?.[1] ?? null,
    cipher: summary?.[2] ?? null,
    verifyCode: Number(/Verify return code: (\d+)/.exec(raw)?.[1] ?? NaN),
    raw,
  };
}

/** What gnutls-cli (GnuTLS, as Exim on Debian sends) saw of one STARTTLS handshake. */
export interface GnutlsView {
  /** "- Handshake was completed". */
  completed: boolean;
  /** GnuTLS's session description, "(TLS1.2-X.509)-(DHE-CUSTOM1024)-(RSA-SHA256)-(AES-128-GCM)". */
  description: string | null;
  /** Its verdict on the certificate, chain and name ("- Status: The certificate is trusted."). */
  trusted: boolean | null;
  raw: string;
}

/** gnutls-cli at its defaults (priority NORMAL): STARTTLS on port 25, the certificate verified against caFile for `name`. */
export function gnutlsStarttls(ip: string, name: string, caFile: string): GnutlsView {
  const out = spawnSync(
    'gnutls-cli',
    ['--starttls-proto=smtp', '--x509cafile', caFile, '--sni-hostname', name, '--verify-hostname', name, '-p', '25', ip],
    { encoding: 'utf8', input: '', timeout: 15_000 },
  );
  const raw = out.stdout + out.stderr;
  const status = /^- Status: The certificate is (NOT )?trusted/m.exec(raw);
  return {
    completed: /^- Handshake was completed/m.test(raw),
    description: /^- Description: (\S+)/m.exec(raw)?.[1] ?? null,
    trusted: status === null ? null : status[1] === undefined,
    raw,
  };
}

/**
 * Debian's microsocks, a real SOCKS5 proxy, on one address; its log has one
 * "connected to IP:PORT" line per connection it made onwards.
 */
export async function startMicrosocks(ip: string, port: number): Promise<Running & { url: string; connectedTo(): string[] }> {
  const server = await startListening('microsocks', ['-i', ip, '-p', String(port)], { ip, port, what: 'microsocks' });
  return {
    url: `socks5://${ip}:${port}`,
    connectedTo: () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.includes('connected to')),
    log: server.log,
    stop: server.stop,
  };
}

/**
 * A server we start in the foreground (so that it ends with us), its stdout and stderr kept as its output,
 * ready once `listen` accepts TCP connections. `log` adds what it writes elsewhere (its own log files).
 */
async function startListening(
  command: string,
  args: readonly string[],
  listen: { ip: string; port: number; what: string },
  log: (output: string) => string = (output) => output,
): Promise<Running & { output: () => string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const read = (): string => log(output);
  await waitListening(listen.ip, listen.port, listen.what, read);
  return { log: read, output: () => output, stop: () => stopChild(child) };
}

/** SIGTERM a server we started and wait for it to be gone. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
