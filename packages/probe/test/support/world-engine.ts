import { checkResultSchema, type CheckResult } from '@mxv/schema';
import type { World } from '@mxv/testkit';
import {
  createEngineParts,
  createInProcessHostSource,
  MailCheckEngine,
  type EngineParts,
  type MemoryHostSource,
  type ProbeOptionsInput,
} from '@mxv/probe';

/** SMTP bounds short enough for a test of many simulated hosts, long enough for a busy machine. */
export const QUICK_SMTP = {
  hostBudgetMs: 3000,
  connectTimeoutMs: 500,
  greetingTimeoutMs: 800,
  replyTimeoutMs: 800,
  tlsHandshakeTimeoutMs: 800,
} as const;

export interface WorldEngine {
  parts: EngineParts;
  engine: MailCheckEngine;
  /** The in-process host cache `mxv check` gives the engine: one per WorldEngine, shared by its checks. */
  hosts: MemoryHostSource;
  /** One check run to completion, read back through the result schema (a deferred check fails the test). */
  check(domain: string): Promise<CheckResult>;
}

/**
 * The engine of `mxv check` pointed at a simulated world: the world's resolver,
 * its loopback addresses allowed (unless `options.allowNet` says otherwise) and
 * its test CA trusted; everything else from `options`.
 */
export function worldEngine(world: World, options: ProbeOptionsInput = {}): WorldEngine {
  const setup = createEngineParts(
    { dnsServers: [world.dns], allowNet: world.allowNet, ...options },
    { extraCaPem: [world.caCertPem] },
  );
  if (setup.status !== 'ok') throw new Error(setup.reason);
  const engine = new MailCheckEngine(setup.parts);
  const hosts = createInProcessHostSource(setup.parts);
  return {
    parts: setup.parts,
    engine,
    hosts,
    async check(domain) {
      const outcome = await engine.check(domain, hosts);
      if (outcome.status !== 'complete') throw new Error(`${domain}: deferred: ${outcome.reason}`);
      return checkResultSchema.parse(outcome.result);
    },
  };
}
