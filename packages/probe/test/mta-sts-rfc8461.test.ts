import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  boundValues,
  checkMtaSts,
  createAddressPolicy,
  defaultsOf,
  DNS_BOUNDS,
  HttpsStsPolicyFetcher,
  isStsTxtRecord,
  mxPatternMatches,
  parseStsPolicy,
  parseStsTxtRecord,
  POLICY_BOUNDS,
  StubResolver,
  type AddressPolicy,
  type DnsAnswer,
  type DnsRecord,
  type DnsResolver,
  type StsPolicySource,
} from '@mxv/probe';
import { startWorld, type World, type WorldPolicyServerSpec } from '@mxv/testkit';

/** RFC 8461 conformance, as the senders that implement it (Postfix's resolver, mailauth, mox) read it. */

describe('the TXT record (RFC 8461 3.1)', () => {
  it.each([
    // sts-ext-name is (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."): wider than DKIM's tag names.
    ['v=STSv1; id=abc; ext-field=1', { status: 'ok', id: 'abc' }],
    ['v=STSv1; id=abc; 1ext.v2=x;', { status: 'ok', id: 'abc' }],
    // 3.2, last paragraph (TXT records and policies alike): a repeated field, the first is used.
    ['v=STSv1; id=first; id=second', { status: 'ok', id: 'first' }],
    ['v=STSv1 ;\tid=abc ; ', { status: 'ok', id: 'abc' }],
    ['v=STSv1; id=abc;; x=1', { status: 'invalid', error: 'txt_syntax' }],
    ['v=STSv1; id=abc; bad name=1', { status: 'invalid', error: 'txt_syntax' }],
    ['v=STSv1; id=abc; =1', { status: 'invalid', error: 'txt_syntax' }],
    ['v=STSv1; noequals', { status: 'invalid', error: 'txt_syntax' }],
    [`v=STSv1; id=abc; ${'e'.repeat(33)}=1`, { status: 'invalid', error: 'txt_syntax' }],
    ['v=STSv1; id=', { status: 'invalid', error: 'txt_id' }],
  ])('%j', (text, expected) => {
    expect(parseStsTxtRecord(text)).toEqual(expected);
  });

  it.each([
    ['v=STSv1; id=1', true],
    ['v=STSv1;id=1', true],
    ['v=STSv1 ; id=1', true],
    // %s"v=STSv1": case-sensitive; "records that do not begin with v=STSv1; are discarded".
    ['v=stsv1; id=1', false],
    ['V=STSv1; id=1', false],
    ['v=STSv10; id=1', false],
    [' v=STSv1; id=1', false],
    ['v=spf1 -all', false],
  ])('%j is an STS record: %s', (text, expected) => {
    expect(isStsTxtRecord(text)).toBe(expected);
  });
});

describe('checkMtaSts: which TXT records count (RFC 8461 3.1)', () => {
  function resolverWith(texts: string[]): DnsResolver {
    return {
      query: async (name) => {
        const records: DnsRecord[] = texts.map((text) => ({ type: 'TXT', name, ttl: 60, text }));
        const answer: DnsAnswer = {
          status: records.length > 0 ? 'NOERROR' : 'NODATA',
          records,
          authenticated: false,
          usedTcp: false,
          server: null,
          elapsedMs: 0,
          error: null,
        };
        return answer;
      },
    };
  }
  const policies: StsPolicySource = {
    obtain: async (_domain, id) => ({
      status: 'fetched',
      policy: { id, mode: 'enforce', mx: ['mx.x.test'], maxAge: 60, fetchedAt: new Date(0).toISOString() },
    }),
  };
  const bounds = { maxTxtRecords: 20, maxTxtRecordBytes: 2048 };

  it('discards a record that is not exactly "v=STSv1" and uses the one that is', async () => {
    const result = await checkMtaSts('x.test', resolverWith(['v=stsv1; id=old', 'v=STSv1; id=new']), policies, bounds);
    expect(result).toMatchObject({ status: 'valid', id: 'new' });
  });

  it('with only a wrongly cased record, finds no policy rather than a broken one', async () => {
    const result = await checkMtaSts('x.test', resolverWith(['V=STSv1; id=1']), policies, bounds);
    expect(result).toMatchObject({ status: 'none', error: null });
  });

  it('still refuses two STS records', async () => {
    const result = await checkMtaSts('x.test', resolverWith(['v=STSv1; id=1', 'v=STSv1; id=2']), policies, bounds);
    expect(result).toMatchObject({ status: 'invalid', error: 'txt_multiple' });
  });
});

describe('the policy (RFC 8461 3.2)', () => {
  const head = 'version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 600\n';
  const ok = { status: 'ok', policy: { mode: 'enforce', mx: ['mx.a.test'], maxAge: 600 } };

  it.each([
    // A repeated field other than mx: "all entries except for the first SHOULD be ignored".
    [`${head}mode: testing\n`, ok],
    [`${head}max_age: 5\nversion: STSv2\n`, ok],
    // sts-policy-ext-name may begin with a digit.
    [`${head}1ext: yes\n`, ok],
    [`${head}x-ext.v2: yes, with spaces and UTF-8 é\n`, ok],
    // Whitespace after the colon and at the end of the line; CRLF and LF; a trailing blank line.
    ['version:STSv1\r\nmode:\tenforce  \r\nmx:   mx.a.test\nmax_age: 600\r\n\r\n', ok],
    ['version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 600', ok],
    // A line of blanks, as an empty line (postfix-mta-sts-resolver strips each line and applies the policy).
    ['version: STSv1\n   \nmode: enforce\n\t\r\nmx: mx.a.test\nmax_age: 600\n \n', ok],
  ])('%j', (body, expected) => {
    expect(parseStsPolicy(body)).toEqual(expected);
  });

  it.each([
    ['version: STSv1\nmode: Enforce\nmx: mx.a.test\nmax_age: 600\n', 'policy_mode'],
    ['version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 12345678901\n', 'policy_max_age'],
    ['version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 1e3\n', 'policy_max_age'],
    ['version: STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: +60\n', 'policy_max_age'],
    ['version: STSv1\nmode: testing\nmax_age: 600\n', 'policy_mx_missing'],
    ['version: STSv1\nmode: enforce\nmx: mx.a.test\n', 'policy_max_age'],
    ['mode: enforce\nmx: mx.a.test\nmax_age: 600\n', 'policy_version'],
    ['version : STSv1\nmode: enforce\nmx: mx.a.test\nmax_age: 600\n', 'policy_syntax'],
    [`${head}${'k'.repeat(33)}: v\n`, 'policy_syntax'],
    // Blanks before a field are no blank line.
    ['version: STSv1\n mode: enforce\nmx: mx.a.test\nmax_age: 600\n', 'policy_syntax'],
  ])('%j → %s', (body, error) => {
    expect(parseStsPolicy(body)).toEqual({ status: 'invalid', error });
  });
});

describe('mx patterns (RFC 8461 4.1)', () => {
  it.each([
    ['*.example.com', 'MX.EXAMPLE.COM.', true],
    ['*.Example.COM.', 'mx.example.com', true],
    ['*.example.com', '.example.com', false],
    ['*.example.com', 'xexample.com', false],
    ['*.xn--bcher-kva.example', 'mx.xn--bcher-kva.example', true],
  ])('%s matches %s: %s', (pattern, exchange, expected) => {
    expect(mxPatternMatches(pattern, exchange)).toBe(expected);
  });
});

const POLICY = 'version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 3600\n';
const FETCH_TIMEOUT_MS = 1_500;

/** One policy host per case, each at `mta-sts.<case>.test`. */
const CASES: Record<string, WorldPolicyServerSpec['behaviour']> = {
  charset: { kind: 'policy', body: POLICY, contentType: 'Text/Plain ; Charset="UTF-8"' },
  bom: { kind: 'policy', body: `\uFEFF${POLICY}` },
  found: { kind: 'status', code: 302 },
  empty: { kind: 'policy', body: POLICY, contentType: '' },
  plainish: { kind: 'policy', body: POLICY, contentType: 'text/plainx' },
};

describe('fetching the policy (RFC 8461 3.3)', () => {
  let world: World;
  let resolver: StubResolver;
  const bounds = { ...defaultsOf(POLICY_BOUNDS), mtaStsFetchTimeoutMs: FETCH_TIMEOUT_MS };

  function allowWorld(): AddressPolicy {
    const setup = createAddressPolicy(world.allowNet);
    if (setup.status !== 'ok') throw new Error(setup.reason);
    return setup.policy;
  }

  function fetcher(): HttpsStsPolicyFetcher {
    return new HttpsStsPolicyFetcher({
      resolver,
      policy: allowWorld(),
      bounds,
      extraCaPem: [world.caCertPem],
      port: world.httpsPort,
    });
  }

  beforeAll(async () => {
    const names = Object.keys(CASES);
    world = await startWorld({
      hosts: [],
      policyServers: names.map((name) => ({
        id: name,
        cert: { names: [`mta-sts.${name}.test`] },
        behaviour: CASES[name] as WorldPolicyServerSpec['behaviour'],
      })),
      records: Object.fromEntries(names.map((name) => [`mta-sts.${name}.test`, [{ type: 'A' as const, host: name }]])),
      domains: [],
    });
    resolver = new StubResolver({
      servers: [{ host: world.dns.split(':')[0] as string, port: Number(world.dns.split(':')[1]) }],
      bounds: boundValues(DNS_BOUNDS, { queryTimeoutMs: 1000, attemptsPerServer: 1 }),
    });
  });

  afterAll(async () => {
    await world?.stop();
  });

  it('takes text/plain with parameters, in any case', async () => {
    expect(await fetcher().fetch('charset.test')).toEqual({ status: 'ok', body: POLICY });
  });

  it('keeps a UTF-8 byte order mark, which the policy grammar refuses (RFC 8461 3.2; postfix-mta-sts-resolver too)', async () => {
    const fetched = await fetcher().fetch('bom.test');
    expect(fetched).toEqual({ status: 'ok', body: `\uFEFF${POLICY}` });
    expect(parseStsPolicy(`\uFEFF${POLICY}`)).toEqual({ status: 'invalid', error: 'policy_syntax' });
  });

  it.each([
    ['found', 'fetch_redirect'],
    ['empty', 'fetch_content_type'],
    ['plainish', 'fetch_content_type'],
  ])('%s → %s', async (name, error) => {
    expect(await fetcher().fetch(`${name}.test`)).toEqual({ status: 'failed', error });
  });
});

describe('a policy host that never answers (RFC 8461 3.3 timeouts)', () => {
  let server: Server;
  let port: number;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts the connection and says nothing: no TLS handshake, no headers.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('gives up at the fetch deadline', async () => {
    const setup = createAddressPolicy(['127.0.0.1/32']);
    if (setup.status !== 'ok') throw new Error(setup.reason);
    const resolver: DnsResolver = {
      query: async (name, type) => ({
        status: type === 'A' ? 'NOERROR' : 'NODATA',
        records: type === 'A' ? [{ type: 'A', name, ttl: 60, address: '127.0.0.1' }] : [],
        authenticated: false,
        usedTcp: false,
        server: null,
        elapsedMs: 0,
        error: null,
      }),
    };
    const timeoutMs = 800;
    const fetcher = new HttpsStsPolicyFetcher({
      resolver,
      policy: setup.policy,
      bounds: { ...defaultsOf(POLICY_BOUNDS), mtaStsFetchTimeoutMs: timeoutMs },
      port,
    });
    const started = performance.now();
    expect(await fetcher.fetch('silent.test')).toEqual({ status: 'failed', error: 'fetch_timeout' });
    expect(performance.now() - started).toBeLessThan(timeoutMs + 1_000);
  });
});
