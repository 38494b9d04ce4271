/**
 * The methods each route path answers, collected as routes are added (onRoute),
 * so a request for a path that exists under another method is told 405 with
 * `Allow` (RFC 9110 15.5.6) instead of "no such route".
 */
export class RouteMethods {
  readonly #routes: Array<{ segments: string[]; methods: string[] }> = [];

  add(method: string | readonly string[], url: string): void {
    this.#routes.push({ segments: url.split('/'), methods: typeof method === 'string' ? [method] : [...method] });
  }

  /** Methods of the routes matching `path` (no query), sorted; empty when no route matches it. */
  allowed(path: string): string[] {
    const segments = path.split('/');
    const methods = new Set<string>();
    for (const route of this.#routes) {
      if (matches(route.segments, segments)) for (const method of route.methods) methods.add(method.toUpperCase());
    }
    return [...methods].sort();
  }
}

/** Fastify's path syntax as far as our routes use it: `:param` takes one segment, `*` the rest. */
function matches(pattern: readonly string[], path: readonly string[]): boolean {
  for (let index = 0; index < pattern.length; index += 1) {
    const want = pattern[index] ?? '';
    if (want === '*') return true;
    const have = path[index];
    if (have === undefined) return false;
    if (want.includes(':') ? have === '' : want !== have) return false;
  }
  return pattern.length === path.length;
}
