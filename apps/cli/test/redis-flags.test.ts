import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** --redis, --redis-cluster and --shards are checked before anything connects: exit 2 with the reason. */
describe('fleet Redis flags', () => {
  it.each([
    [
      ['status', '--redis', 'redis+cluster://a:0'],
      /--redis: bad Redis URL "redis\+cluster:\/\/a:0": port of "a:0" must be 1-65535/,
    ],
    [
      ['enqueue', 'x.test', '--redis', 'redis://a:1,b:2'],
      /a list of nodes is a Redis Cluster: write redis\+cluster:\/\/\.\.\. or add --redis-cluster/,
    ],
    [
      ['show', 'x.test', '--redis', 'redis+cluster://u:secret@127.0.0.1:1/3'],
      /u:\*\*\*@127\.0\.0\.1:1\/3": a Redis Cluster has only database 0/,
    ],
    [
      ['status', '--redis', 'redis://127.0.0.1:1,127.0.0.1:2', '--redis-cluster', '--shards', '65'],
      /--shards must be a whole number from 1 to 64, got "65"/,
    ],
    [['worker', '--shards', 'two'], /--shards must be a whole number from 1 to 64/],
    // A URL that ioredis itself refuses: described with its password masked, never echoed.
    [
      ['status', '--redis', 'redis://:hunter2@127.0.0.1:99999'],
      /--redis: bad Redis URL "redis:\/\/:\*\*\*@127\.0\.0\.1:99999": Invalid URL/,
    ],
    // --watch takes seconds or a duration, as other fleet flags do; a part of a second is refused.
    [['status', '--watch', '1500ms', '--redis', 'redis://127.0.0.1:1'], /--watch must be a whole number from 1 to 3600/],
    [['status', '--watch', 'soon', '--redis', 'redis://127.0.0.1:1'], /--watch: "soon" is not a duration/],
  ])('mxv %j', async (argv, message) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/secret|hunter2/);
  });

  it('--watch 2s is taken (then Redis is asked, and is not there)', async () => {
    const run = await runCli(['status', '--watch', '2s', '--redis', 'redis://127.0.0.1:1']);
    expect(run.stderr).not.toMatch(/--watch/);
    expect(run.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  it('an unreachable cluster is reported by name (seeds, no password), exit 2', async () => {
    const run = await runCli(['status', '--redis', 'redis+cluster://u:secret@127.0.0.1:1,127.0.0.1:2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot reach Redis at redis\+cluster:\/\/u:\*\*\*@127\.0\.0\.1:1,127\.0\.0\.1:2/);
    expect(run.stderr).not.toMatch(/secret|hunter2/);
  });
});
