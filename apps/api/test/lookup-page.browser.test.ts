import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFleetLogger,
  createFleetWorker,
  fleetKeys,
  requestCheck,
  ResultStore,
  type Redis,
  type VerifyWorker,
} from '@mxv/fleet';
import { demoWorldSpec, startWorld, type World } from '@mxv/testkit';
import { startApiServer, type ApiServer } from '../src/index.js';
import { startTestRedis, TOKEN, waitFor, type TestRedis } from './support.js';

/**
 * The lookup page in a real browser (Debian's chromium, driven by
 * playwright-core), against a real worker checking the simulated world:
 * search, read the MX table, press "check again", see the page update when
 * the worker stores the new result.
 */
// The page.waitForFunction and page.evaluate callbacks below run in the browser, where `document` is
// the page's: typed here with just what they use. Not `/// <reference lib="dom" />`: a lib reference is
// never file-local, it puts the DOM into every file of the program (packages/testkit/src/test-ca.ts
// then no longer compiles).
declare const document: {
  querySelector(selectors: string): { dataset: Record<string, string | undefined> } | null;
  documentElement: { scrollWidth: number; clientWidth: number };
};

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../artifacts/', import.meta.url));

let server: TestRedis;
let world: World;
let redis: Redis;
let worker: VerifyWorker;
let workerRun: Promise<void>;
let api: ApiServer;
let context: BrowserContext;
let profile: string;
let keys = fleetKeys('browser');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
  [server, world] = await Promise.all([startTestRedis(), startWorld(demoWorldSpec())]);
  keys = fleetKeys(server.prefix('browser'));
  redis = server.client();
  const setup = createFleetWorker(
    redis,
    keys,
    {
      probe: {
        dnsServers: [world.dns],
        allowNet: world.allowNet,
        smtp: { port: world.smtpPort, hostBudgetMs: 3_000 },
        dns: { queryTimeoutMs: 1_000, attemptsPerServer: 1 },
        policy: { mtaStsPort: world.httpsPort },
        politeness: { connectionsPerSecond: 50, maxConcurrentPerIp: 4 },
      },
      engine: { extraCaPem: [world.caCertPem] },
      retry: { maxAttempts: 1 },
      worker: { concurrency: 4, heartbeatMs: 1_000 },
    },
    createFleetLogger('silent', { pretty: false }),
  );
  if (setup.status !== 'ok') throw new Error(setup.reason);
  worker = setup.worker;
  workerRun = worker.run();
  api = await startApiServer({
    redis: server.url,
    prefix: keys.prefix,
    token: TOKEN,
    port: 0,
    limits: { minRefreshAgeMs: 0, rateLimitPerMinute: 0 },
  });
  profile = mkdtempSync(join(tmpdir(), 'mxv-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1100, height: 900 },
  });
  // Loopback only, whatever a page asks for.
  await context.route(
    (url) => url.hostname !== '127.0.0.1',
    (route) => route.abort(),
  );
});

afterAll(async () => {
  await context?.close();
  await api?.close();
  await worker?.close(1_000);
  await workerRun?.catch(() => undefined);
  await Promise.all([world?.stop(), server?.stop()]);
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('lookup page in Chromium', () => {
  it('search, MX table, "check again" updates live when the worker stores the new result', async () => {
    const store = new ResultStore(redis, keys);
    const { createVerifyQueue } = await import('@mxv/fleet');
    const queue = createVerifyQueue(redis, keys);
    await requestCheck({ queue, redis, keys, store }, 'ok.test', { maxAgeMs: 0 });
    await waitFor('the first result', async () => (await store.get('ok.test')).status === 'found', 15_000);
    await queue.close();

    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${api.url}/`);
    await page.fill('input[name=q]', 'Postmaster@OK.test');
    await page.press('input[name=q]', 'Enter');
    await page.waitForURL(`${api.url}/d/ok.test`);

    const mxTable = page.locator('#mx-table');
    await expect.poll(() => mxTable.innerText()).toContain('mx1.ok.test');
    expect(await mxTable.innerText()).toContain('mx2.ok.test');
    expect(await page.locator('#verdict').innerText()).toBe('Mail can be delivered, encrypted with STARTTLS');
    expect(await page.locator('.checks li.pass').count()).toBe(5);
    expect(await page.locator('article.host').count()).toBeGreaterThanOrEqual(2);

    const before = await page.locator('main').getAttribute('data-checked-at');
    expect(before).toBeTruthy();
    await page.click('form[data-refresh] button');
    // The page swaps in the new result without a reload once the worker has written it.
    await page.waitForFunction(
      (old) => {
        const main = document.querySelector('main');
        return main !== null && main.dataset['checkedAt'] !== old;
      },
      before,
      { timeout: 20_000 },
    );
    const after = await page.locator('main').getAttribute('data-checked-at');
    expect(Date.parse(after ?? '')).toBeGreaterThan(Date.parse(before ?? ''));
    expect(page.url()).toBe(`${api.url}/d/ok.test`);
    await expect.poll(() => page.locator('#live-status').innerText()).toBe('Updated just now.');
    expect(errors).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'lookup-page.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${api.url}/d/ok.test`);
    await page.screenshot({ path: join(ARTIFACTS, 'lookup-page-phone.png'), fullPage: true });
    // Readable on a phone: nothing wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('the queue dashboard opens with the token (Basic prompt) and loads nothing from elsewhere', async () => {
    const adminProfile = mkdtempSync(join(tmpdir(), 'mxv-chromium-admin-'));
    const admin = await chromium.launchPersistentContext(adminProfile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
      httpCredentials: { username: 'admin', password: TOKEN },
    });
    const dashboard = await admin.newPage();
    // Nothing may leave loopback (tests talk to 127.0.0.0/8 only): anything else is aborted here and noted.
    const offsite: string[] = [];
    await admin.route(
      (url) => url.hostname !== '127.0.0.1',
      (route) => {
        offsite.push(route.request().url());
        return route.abort();
      },
    );
    const response = await dashboard.goto(`${api.url}/admin/queues`);
    expect(response?.status()).toBe(200);
    await dashboard.getByText('verify').first().waitFor({ timeout: 15_000 });
    // The font CDN the dashboard names is refused by its CSP before it reaches the network layer.
    expect(offsite).toEqual([]);
    await admin.close();
    rmSync(adminProfile, { recursive: true, force: true });
  });
});
