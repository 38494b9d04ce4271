import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFleetLogger,
  createFleetWorker,
  createVerifyQueue,
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
interface PageElement {
  dataset: Record<string, string | undefined>;
  tagName: string;
  id: string;
  isConnected: boolean;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { left: number; right: number };
}
declare const document: {
  querySelector(selectors: string): PageElement | null;
  querySelectorAll(selectors: string): ArrayLike<PageElement>;
  documentElement: { scrollWidth: number; clientWidth: number };
  activeElement: PageElement | null;
};
declare function getComputedStyle(element: PageElement, pseudoElement: string): { content: string };
declare function requestAnimationFrame(callback: () => void): number;
/** axe-core, once AXE_SOURCE has run in the page. */
declare const axe: {
  run(
    context: unknown,
    options: { runOnly: { type: 'tag'; values: string[] } },
  ): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown[] }> }> }>;
};

/** axe-core's browser build, put into each page by evaluate: the page's CSP would refuse a script tag. */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** The audit's rules: WCAG 2.0 and 2.1, levels A and AA. */
const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

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

/** Has the worker check `domain` once, unless a result is stored already. */
async function ensureChecked(domain: string): Promise<void> {
  const store = new ResultStore(redis, keys);
  if ((await store.get(domain)).status === 'found') return;
  const queue = createVerifyQueue(redis, keys);
  await requestCheck({ queue, redis, keys, store }, domain, { maxAgeMs: 0 });
  await waitFor(`a result for ${domain}`, async () => (await store.get(domain)).status === 'found', 15_000);
  await queue.close();
}

/** What axe-core finds on the page as it is now, one line per rule with the elements it faults. */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (values) => {
    const { violations } = await axe.run(document, { runOnly: { type: 'tag', values } });
    return violations.map((v) => `${v.id}: ${v.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  }, WCAG_21_AA);
}

afterAll(async () => {
  await context?.close();
  await api?.close();
  await worker?.close(1_000);
  await workerRun?.catch(() => undefined);
  await Promise.all([world?.stop(), server?.stop()]);
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Waits until the page has swapped in a result newer than `before` (its <main> data-checked-at), without a reload. */
async function newResultSwappedIn(page: Page, before: string | null): Promise<void> {
  await page.waitForFunction(
    (old) => {
      const main = document.querySelector('main');
      return main !== null && main.dataset['checkedAt'] !== old;
    },
    before,
    { timeout: 20_000 },
  );
}

describe('lookup page in Chromium', () => {
  it('search, MX table, "check again" updates live when the worker stores the new result', async () => {
    const store = new ResultStore(redis, keys);
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
    await newResultSwappedIn(page, before);
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

  it('"check again" by keyboard: the busy button keeps the focus, a second press queues nothing, then the heading takes it and the status region, never replaced, says "Updated"', async () => {
    await ensureChecked('ok.test');
    const page = await context.newPage();
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST') posts.push(request.url());
    });
    await page.goto(`${api.url}/d/ok.test`);
    const before = await page.locator('main').getAttribute('data-checked-at');
    const region = await page.locator('#live-status').elementHandle();
    expect(await page.locator('main #live-status').count()).toBe(0);
    await page.focus('form[data-refresh] button');
    await page.keyboard.press('Enter');
    // Two frames on: a disabled button would have lost the focus to the body by then. The new result may
    // already be in (the heading has the focus); before it, the button keeps it, marked busy.
    const busy = await page.evaluate(
      () =>
        new Promise<{ focused: string; ariaDisabled: string | null; disabled: string | null }>((resolve) =>
          requestAnimationFrame(() =>
            requestAnimationFrame(() => {
              const button = document.querySelector('form[data-refresh] button');
              resolve({
                focused: document.activeElement?.tagName ?? 'none',
                ariaDisabled: button?.getAttribute('aria-disabled') ?? null,
                disabled: button?.getAttribute('disabled') ?? null,
              });
            }),
          ),
        ),
    );
    expect(['BUTTON', 'H1']).toContain(busy.focused);
    if (busy.focused === 'BUTTON') expect(busy.ariaDisabled).toBe('true');
    expect(busy.disabled).toBeNull();
    await page.keyboard.press('Enter');
    await newResultSwappedIn(page, before);
    await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('tabindex'))).toBe('-1');
    // The same element throughout: a region put in and filled in one step is not announced.
    expect(await region?.evaluate((el: PageElement) => el.isConnected && el.id === 'live-status')).toBe(true);
    await expect
      .poll(() => region?.evaluate((el: PageElement & { textContent: string }) => el.textContent))
      .toBe('Updated just now.');
    expect(posts.filter((url) => url.endsWith('/d/ok.test/refresh'))).toHaveLength(1);
    await page.close();
  });

  it('"check again" whose live stream is refused (429: too many open): says so and frees the button', async () => {
    await ensureChecked('ok.test');
    const page = await context.newPage();
    await page.route('**/events?**', (route) =>
      route.fulfill({ status: 429, contentType: 'application/json', body: '{"error":{"code":"too_many_client_streams"}}' }),
    );
    await page.goto(`${api.url}/d/ok.test`);
    await page.click('form[data-refresh] button');
    await expect
      .poll(() => page.locator('#live-status').innerText())
      .toBe('Could not follow the check live; it is still queued. Reload in a while.');
    expect(await page.locator('form[data-refresh] button').getAttribute('aria-disabled')).toBeNull();
    await page.close();
  });

  it('at 320 px every cell of the MX and Mail security tables is on screen, under its column name', async () => {
    await ensureChecked('dangling-mx.test');
    const page = await context.newPage();
    await page.setViewportSize({ width: 320, height: 800 });
    await page.goto(`${api.url}/d/dangling-mx.test`);
    const cells = await page.evaluate(() =>
      Array.from(document.querySelectorAll('#mx-table td, #security-table td')).map((td) => {
        const box = td.getBoundingClientRect();
        return {
          onScreen: box.left >= 0 && box.right <= document.documentElement.clientWidth,
          label: getComputedStyle(td, '::before').content,
        };
      }),
    );
    expect(cells.length).toBeGreaterThan(4);
    expect(cells.filter((cell) => !cell.onScreen)).toEqual([]);
    expect(cells.slice(0, 4).map((cell) => cell.label)).toEqual(['"Priority"', '"Exchange"', '"Addresses"', '"Problems"']);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'lookup-page-320.png'), fullPage: true });
    await page.close();
  });

  it('axe-core finds no WCAG 2.1 A or AA violation: domain pages at 320 and 1280 px in both schemes, the home and bad-lookup pages', async () => {
    const domains = ['ok.test', 'spf-anyone.test', 'dangling-mx.test', 'expired-cert.test', 'policies-broken.test'];
    await Promise.all(domains.map(ensureChecked));
    const paths = [...domains.map((domain) => `/d/${domain}`), '/', `/lookup?q=${encodeURIComponent('not a domain')}`];
    const page = await context.newPage();
    const found: string[] = [];
    for (const width of [320, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        for (const path of paths) {
          await page.goto(`${api.url}${path}`);
          found.push(...(await axeViolations(page)).map((violation) => `${width} px ${colorScheme} ${path}: ${violation}`));
        }
      }
    }
    expect(found).toEqual([]);
    await page.close();
  }, 120_000);

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
