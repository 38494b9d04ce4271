import { describe, expect, it } from 'vitest';
import { describeRedisTarget, MAX_CLUSTER_SEEDS, parseRedisTarget } from '../src/redis-target.js';
import { createRedisClient } from '../src/redis-connection.js';

describe('parseRedisTarget', () => {
  it.each([
    ['redis://127.0.0.1:6379', { mode: 'single', url: 'redis://127.0.0.1:6379' }],
    ['rediss://user:pw@redis.example:6380/2', { mode: 'single', url: 'rediss://user:pw@redis.example:6380/2' }],
    ['  redis://h.example  ', { mode: 'single', url: 'redis://h.example' }],
    [
      'redis+cluster://10.0.0.1:7000,10.0.0.2:7001',
      {
        mode: 'cluster',
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: '10.0.0.2', port: 7001 },
        ],
        username: null,
        password: null,
        tls: false,
      },
    ],
    [
      'rediss+cluster://fleet:s%40cret@a.example,b.example:7001/',
      {
        mode: 'cluster',
        nodes: [
          { host: 'a.example', port: 6379 },
          { host: 'b.example', port: 7001 },
        ],
        username: 'fleet',
        password: 's@cret',
        tls: true,
      },
    ],
    [
      'REDIS+CLUSTER://:only-password@[::1]:7000,[::1]:7000/0',
      { mode: 'cluster', nodes: [{ host: '::1', port: 7000 }], username: null, password: 'only-password', tls: false },
    ],
  ])('%s', (raw, target) => {
    expect(parseRedisTarget(raw)).toEqual({ status: 'ok', target });
  });

  it.each(['redis://127.0.0.1:6379', 'rediss://u:p@redis.example:6380/2', '/run/redis/redis.sock'])('one server: %s', (raw) => {
    expect(parseRedisTarget(raw)).toEqual({ status: 'ok', target: { mode: 'single', url: raw } });
  });

  it('--redis-cluster makes the hosts of a plain URL cluster seeds', () => {
    expect(parseRedisTarget('redis://127.0.0.1:7000,127.0.0.1:7001', { cluster: true })).toMatchObject({
      status: 'ok',
      target: { mode: 'cluster', nodes: [{ port: 7000 }, { port: 7001 }] },
    });
    expect(parseRedisTarget('redis://127.0.0.1:7000', { cluster: true })).toMatchObject({
      status: 'ok',
      target: { mode: 'cluster', nodes: [{ host: '127.0.0.1', port: 7000 }] },
    });
  });

  it.each([
    ['redis://a:1,b:2', /list of nodes is a Redis Cluster/],
    ['redis+cluster://', /is not host:port/],
    ['redis+cluster://a:1,,b:2', /"" is not host:port/],
    ['redis+cluster://a:0', /port of "a:0" must be 1-65535/],
    ['redis+cluster://a:65536', /must be 1-65535/],
    ['redis+cluster://a:123456', /is not host:port/],
    ['redis+cluster://a:1/3', /only database 0/],
    ['redis+cluster://a:1?tls=true', /no \?options/],
    ['redis+cluster://a b:1', /is not host:port/],
    ['redis+cluster://-a:1', /is not host:port/],
    ['redis+cluster://u:%zz@a:1', /bad %-escape/],
    ['http+cluster://a:1', /expected redis\+cluster/],
    // What ioredis would take for a socket path and fail to reach with "Connection is closed."
    ['notaurl', /expected redis:\/\/host:port, rediss:\/\/ for TLS, or the absolute path of a unix socket/],
    ['localhost:6379', /expected redis:\/\/host:port/],
    ['http://127.0.0.1:6379', /expected redis:\/\/host:port/],
    [`redis+cluster://${Array.from({ length: MAX_CLUSTER_SEEDS + 1 }, (_, i) => `h${i}:1`).join(',')}`, /at most 64 seed nodes/],
  ])('refuses %s', (raw, why) => {
    const parsed = parseRedisTarget(raw);
    expect(parsed.status).toBe('invalid');
    if (parsed.status === 'invalid') expect(parsed.reason).toMatch(why);
  });

  it('never shows a password', () => {
    const bad = parseRedisTarget('redis+cluster://user:hunter2@a:1/5');
    expect(bad.status === 'invalid' && bad.reason).not.toMatch(/hunter2/);
    const good = parseRedisTarget('redis+cluster://user:hunter2@a:1,b:2');
    expect(good.status).toBe('ok');
    if (good.status === 'ok') expect(describeRedisTarget(good.target)).toBe('redis+cluster://user:***@a:1,b:2');
    expect(describeRedisTarget({ mode: 'single', url: 'redis://user:hunter2@h:1' })).toBe('redis://user:***@h:1');
  });

  it('createRedisClient makes a Cluster client for a cluster URL, without connecting', () => {
    const created = createRedisClient('redis+cluster://127.0.0.1:1,127.0.0.1:2', { clusterOptions: { lazyConnect: true } });
    expect(created.status).toBe('ok');
    if (created.status === 'ok') {
      expect(created.redis.isCluster).toBe(true);
      created.redis.disconnect();
    }
    expect(createRedisClient('redis://a:1,b:2').status).toBe('invalid');
  });
});
