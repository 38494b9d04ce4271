/**
 * Where the fleet's Redis is: one server (a `redis://` or `rediss://` URL, as
 * ioredis reads it) or a Redis Cluster (`redis+cluster://[user:pass@]h1:p1,h2:p2,...`,
 * `rediss+cluster://` for TLS, or any of these with `--redis-cluster`, which
 * treats the URL's hosts as cluster seeds). Parsed strictly here so that a typo
 * is a usage error with a reason, not a connection that retries forever.
 */
export type RedisTarget =
  | { mode: 'single'; url: string }
  | {
      mode: 'cluster';
      /** Seed nodes: any reachable one tells the client the whole cluster. */
      nodes: Array<{ host: string; port: number }>;
      username: string | null;
      password: string | null;
      tls: boolean;
    };

export type RedisTargetParse = { status: 'ok'; target: RedisTarget } | { status: 'invalid'; reason: string };

/** More seeds than any cluster needs (Redis Cluster's own advice is at most 1,000 nodes; a few seeds suffice). */
export const MAX_CLUSTER_SEEDS = 64;

const URL_SHAPE = /^(redis|rediss)(\+cluster)?:\/\/(?:([^@/]*)@)?([^/?#@]*)(\/[^?#]*)?(\?[^#]*)?$/i;
/** A host name, an IPv4 address or a bracketed IPv6 address, then a port. */
const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}))(?::(\d{1,5}))?$/;
const DEFAULT_REDIS_PORT = 6379;

export function parseRedisTarget(raw: string, options: { cluster?: boolean } = {}): RedisTargetParse {
  const text = raw.trim();
  const clusterScheme = /^rediss?\+cluster:\/\//i.test(text);
  if (!clusterScheme && /^[a-z][a-z0-9.-]*\+cluster:/i.test(text)) {
    return invalid(raw, 'expected redis+cluster://host:port,... or rediss+cluster:// for TLS');
  }
  if (!clusterScheme && options.cluster !== true) {
    // One server: the URL goes to ioredis as it always did (unix socket paths too); only a list of nodes is caught here.
    if (/^rediss?:\/\/[^/?#]*,/i.test(text)) {
      return invalid(raw, 'a list of nodes is a Redis Cluster: write redis+cluster://... or add --redis-cluster');
    }
    // Anything else ioredis would take for a socket path ("notaurl", "localhost:6379") and fail to reach.
    if (!/^rediss?:\/\//i.test(text) && !text.startsWith('/')) {
      return invalid(raw, 'expected redis://host:port, rediss:// for TLS, or the absolute path of a unix socket');
    }
    return { status: 'ok', target: { mode: 'single', url: text } };
  }
  const shape = URL_SHAPE.exec(text);
  if (!shape) {
    return invalid(raw, 'expected redis+cluster://host:port,host:port,... (rediss+cluster:// for TLS, user:password@ allowed)');
  }
  const [, scheme = 'redis', , userInfo, hostList = '', path, query] = shape;
  const seeds = hostList.split(',');
  // A cluster has only database 0 (Redis Cluster spec: SELECT is refused), and ioredis' Cluster reads no URL query.
  if (path !== undefined && path !== '/' && path !== '/0')
    return invalid(raw, 'a Redis Cluster has only database 0: drop the /db');
  if (query !== undefined) return invalid(raw, 'a cluster URL takes no ?options');
  if (seeds.length > MAX_CLUSTER_SEEDS) return invalid(raw, `at most ${MAX_CLUSTER_SEEDS} seed nodes`);
  const nodes: Array<{ host: string; port: number }> = [];
  for (const seed of seeds) {
    const hostPort = HOST_PORT.exec(seed);
    if (!hostPort) return invalid(raw, `"${seed}" is not host:port`);
    const port = hostPort[3] === undefined ? DEFAULT_REDIS_PORT : Number(hostPort[3]);
    if (!(port >= 1 && port <= 65_535)) return invalid(raw, `port of "${seed}" must be 1-65535`);
    const host = (hostPort[1] ?? '').replace(/^\[|\]$/g, '');
    if (!nodes.some((node) => node.host === host && node.port === port)) nodes.push({ host, port });
  }
  let username: string | null = null;
  let password: string | null = null;
  if (userInfo !== undefined) {
    const colon = userInfo.indexOf(':');
    try {
      // As in any URL: `user:password`, or `:password` alone (Redis before ACLs).
      username = colon === -1 ? decodeURIComponent(userInfo) : decodeURIComponent(userInfo.slice(0, colon));
      password = colon === -1 ? null : decodeURIComponent(userInfo.slice(colon + 1));
    } catch {
      return invalid(raw, 'bad %-escape in user:password');
    }
    if (username === '') username = null;
  }
  return { status: 'ok', target: { mode: 'cluster', nodes, username, password, tls: scheme.toLowerCase() === 'rediss' } };
}

/** The target without its password, for messages and logs. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.mode === 'single') return target.url.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');
  const auth =
    target.username !== null || target.password !== null
      ? `${target.username ?? ''}${target.password === null ? '' : ':***'}@`
      : '';
  const hosts = target.nodes.map((node) => `${node.host.includes(':') ? `[${node.host}]` : node.host}:${node.port}`).join(',');
  return `${target.tls ? 'rediss' : 'redis'}+cluster://${auth}${hosts}`;
}

function invalid(raw: string, why: string): RedisTargetParse {
  // The password never reaches a message.
  const shown = raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
  return { status: 'invalid', reason: `bad Redis URL "${shown.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@')}": ${why}` };
}
