import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '@mxv/schema';
import { startWorld, worldProbeFlags, type World } from '@mxv/testkit';
import { renderResultTable } from '../src/output/render-table.js';
import { resultLines, runCli } from './run-cli.js';

/**
 * --greeting-timeout-ms and --reply-timeout-ms against servers that take their time: a greeting held back
 * (a tarpit) and EHLO answered late. Real senders wait minutes (RFC 5321 4.5.3.2); mxv's defaults do not,
 * so a person debugging such a server raises them.
 */

const GREETING_DELAY_MS = 1_200;
const REPLY_DELAY_MS = 1_200;
let world: World;

beforeAll(async () => {
  world = await startWorld({
    hosts: [
      { id: 'tarpit', behaviour: 'esmtp', hostname: 'mx.tarpit.test', greetingDelayMs: GREETING_DELAY_MS },
      { id: 'slowreply', behaviour: 'esmtp', hostname: 'mx.slowreply.test', replyDelayMs: REPLY_DELAY_MS },
    ],
    records: {
      'tarpit.test': [{ type: 'MX', priority: 10, exchange: 'mx.tarpit.test' }],
      'mx.tarpit.test': [{ type: 'A', host: 'tarpit' }],
      'slowreply.test': [{ type: 'MX', priority: 10, exchange: 'mx.slowreply.test' }],
      'mx.slowreply.test': [{ type: 'A', host: 'slowreply' }],
    },
    domains: [{ name: 'tarpit.test' }, { name: 'slowreply.test' }],
  });
});

afterAll(async () => {
  await world?.stop();
});

const PLAIN = { green: String, red: String, yellow: String, dim: String, bold: String, cyan: String };

const check = (domain: string, flags: string[]) =>
  runCli(['check', '--json', '--checks', 'none', ...worldProbeFlags(world), '--dns-timeout-ms', '500', ...flags, domain]);

describe('mxv check: the greeting and reply timeouts', () => {
  it('a greeting held back past --greeting-timeout-ms: greeting_timeout, and the table says senders may still deliver', async () => {
    const run = await check('tarpit.test', ['--greeting-timeout-ms', '400']);
    expect(run.code, run.stderr).toBe(0);
    const [result] = resultLines(run.stdout);
    expect(result?.verdict).toBe('bad_banner');
    expect(result?.hosts[0]).toMatchObject({ connect: 'ok', banner: null, error: 'greeting_timeout' });
    // It gave up at its own timeout, well before the greeting came.
    expect(result?.hosts[0]?.timingsMs.total ?? 0).toBeLessThan(GREETING_DELAY_MS);

    // The table `mxv check` prints on a terminal.
    const table = renderResultTable(result as CheckResult, PLAIN);
    expect(table).toMatch(
      /greeting: no greeting within 0\.\d s: a server may hold its greeting back on purpose \(a tarpit for spam bots\), and RFC 5321 4\.5\.3\.2\.1 has senders wait 5 minutes for it, so mail may still arrive, late \(--greeting-timeout-ms and --timeout-ms wait longer\); a server that never greets is down or not a mail server/,
    );
  });

  it('the same server with a longer greeting timeout: greeted, ok', async () => {
    const run = await check('tarpit.test', ['--greeting-timeout-ms', '5000', '--timeout-ms', '8000']);
    const [result] = resultLines(run.stdout);
    expect(result?.verdict, run.stderr).toBe('ok');
    expect(result?.hosts[0]?.banner?.code).toBe(220);
    expect(result?.hosts[0]?.timingsMs.banner ?? 0).toBeGreaterThanOrEqual(GREETING_DELAY_MS - 100);
  });

  it('the greeting timeout is capped by --timeout-ms, the host budget', async () => {
    const run = await check('tarpit.test', ['--greeting-timeout-ms', '60000', '--timeout-ms', '500']);
    const [result] = resultLines(run.stdout);
    expect(result?.hosts[0]).toMatchObject({ banner: null });
    expect(['greeting_timeout', 'budget_exceeded']).toContain(result?.hosts[0]?.error);
  });

  it('EHLO answered past --reply-timeout-ms: ehlo_timeout; with the default it is answered', async () => {
    const short = await check('slowreply.test', ['--reply-timeout-ms', '400']);
    const [timedOut] = resultLines(short.stdout);
    expect(timedOut?.hosts[0]).toMatchObject({ banner: { code: 220 }, error: 'ehlo_timeout' });
    const long = await check('slowreply.test', ['--timeout-ms', '10000']);
    const [answered] = resultLines(long.stdout);
    expect(answered?.hosts[0]).toMatchObject({ ehlo: { code: 250 }, error: null });
  });

  it('bad values are usage errors naming the flag and its range', async () => {
    for (const [flag, value] of [
      ['--greeting-timeout-ms', '0'],
      ['--greeting-timeout-ms', 'soon'],
      ['--reply-timeout-ms', '600001'],
    ]) {
      const run = await check('tarpit.test', [flag as string, value as string]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${flag} must be a whole number from 50 to 600000, got "${value}"`);
    }
  });
});
