import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '@mxv/testkit';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

/** The tests' one Redis helper: which path it took, and that a shared Redis is only touched under the file's prefix. */

const opened: TestRedis[] = [];
const servers: RedisServerHandle[] = [];
const savedUrl = process.env['REDIS_URL'];
afterEach(async () => {
  if (savedUrl === undefined) delete process.env['REDIS_URL'];
  else process.env['REDIS_URL'] = savedUrl;
  await Promise.all(opened.splice(0).map((r) => r.stop()));
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

describe('startTestRedis', () => {
  it('takes the path CI expects (MXV_EXPECT_REDIS), and the server it started answers and goes away on stop()', async () => {
    const redis = await startTestRedis({ own: true });
    const expected = process.env['MXV_EXPECT_REDIS'];
    if (expected) expect(redis.kind).toBe(expected);
    else expect(['container', 'local']).toContain(redis.kind);
    const client = redis.client();
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    // Each is private: the other one never sees this key.
    const other = await startTestRedis({ own: true });
    opened.push(other);
    expect(other.url).not.toBe(redis.url);
    expect(await other.client().get('k')).toBeNull();
    await redis.stop();
    const probe = new Redis(redis.url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    await expect(probe.connect()).rejects.toThrow();
    probe.disconnect();
  });

  it('on REDIS_URL, keys go under a prefix unique to the file, and flush/stop remove only those', async () => {
    const started = await startRedisServer();
    if (started.status !== 'ok') throw new Error(started.why);
    servers.push(started.server);
    const outsider = new Redis(started.server.url);
    await outsider.set('someone-else', '1');
    process.env['REDIS_URL'] = started.server.url;

    const [a, b] = [await startTestRedis(), await startTestRedis()];
    opened.push(b);
    expect(a.kind).toBe('env');
    expect(a.url).toBe(started.server.url);
    expect(a.prefix('q')).not.toBe('q');
    expect(a.prefix('q')).not.toBe(b.prefix('q'));
    const write = async (r: TestRedis): Promise<void> => {
      await r.client().set(`${r.prefix('q')}:result:{x.test}`, '1');
      await r.client().set(`{${r.prefix('q')}}:verify:1`, '1'); // BullMQ's form
    };
    await Promise.all([write(a), write(b)]);
    expect(await outsider.dbsize()).toBe(5);

    await a.flush();
    expect(await outsider.exists('someone-else')).toBe(1);
    expect((await outsider.keys('*')).sort()).toEqual(
      ['someone-else', `${b.prefix('q')}:result:{x.test}`, `{${b.prefix('q')}}:verify:1`].sort(),
    );
    await write(a);
    await a.stop();
    // The shared server is still up, with only the others' keys.
    expect(await outsider.dbsize()).toBe(3);
    outsider.disconnect();
  });
});
