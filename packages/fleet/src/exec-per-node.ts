import { Cluster } from 'ioredis';
import { indexGroups } from './index-groups.js';
import { keySlot } from './key-slot.js';
import type { FleetRedis } from './redis-connection.js';

/** One pipelined command: its name (a Redis command or a script defined with defineCommand) and arguments, the key first. */
export type KeyedCommand = readonly [name: string, key: string, ...args: Array<string | number | Buffer>];

export type PipelineReplies = Array<[error: Error | null, reply: unknown]>;

/**
 * Runs commands as pipelines, replies in the order given. On one Redis that is
 * one pipeline, one round trip. On a Cluster, ioredis refuses a pipeline whose
 * keys live on different masters, so the commands are grouped by the master
 * that serves each key's slot (as ioredis' own auto-pipelining groups them)
 * and the groups run at once: one round trip per master involved. Each
 * command's routing key must be its first argument, which holds for every
 * command the fleet pipelines (GET, EXISTS, XADD, INCR, ZADD..., and scripts
 * whose first key is what they are tagged by).
 */
export async function execPerNode(redis: FleetRedis, commands: readonly KeyedCommand[]): Promise<PipelineReplies> {
  if (commands.length === 0) return [];
  if (!(redis instanceof Cluster))
    return ((await redis.pipeline(commands as unknown as unknown[][]).exec()) ?? []) as PipelineReplies;
  const groups = indexGroups(commands, (command) => {
    const slot = keySlot(command[1]);
    // Before the slot map is known every slot is its own group: correct, only more round trips.
    return redis.slots[slot]?.join(',') ?? `slot:${slot}`;
  });
  const replies: PipelineReplies = new Array(commands.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const group = indexes.map((index) => commands[index] as unknown as unknown[]);
      let groupReplies: PipelineReplies;
      try {
        groupReplies = ((await redis.pipeline(group).exec()) ?? []) as PipelineReplies;
      } catch (error) {
        // The slot map changed under us (a failover moved slots): one command at a time, each routed by ioredis.
        if (!(error instanceof Error && error.message.includes('same slots allocation group'))) throw error;
        groupReplies = await Promise.all(
          group.map(async (command): Promise<[Error | null, unknown]> => {
            const [reply] = ((await redis.pipeline([command]).exec()) ?? []) as PipelineReplies;
            return reply ?? [null, null];
          }),
        );
      }
      indexes.forEach((commandIndex, position) => {
        replies[commandIndex] = groupReplies[position] ?? [null, null];
      });
    }),
  );
  // A pipeline gets no redirection from ioredis (it retries one only when every command failed
  // alike): after a master restart or a failover the client may still route a slot to a
  // connection it dropped, and the server answers MOVED. Each such command goes again on its
  // own, which ioredis does redirect, and the slot map is refreshed for the next pipelines.
  const redirected = replies.flatMap((reply, index) => (reply && isRedirection(reply[0]) ? [index] : []));
  if (redirected.length > 0) {
    redis.refreshSlotsCache();
    await Promise.all(
      redirected.map(async (index) => {
        const [name, ...args] = commands[index] as KeyedCommand;
        const method = (redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name];
        if (typeof method !== 'function') return;
        try {
          replies[index] = [null, await method.apply(redis, args)];
        } catch (error) {
          replies[index] = [error instanceof Error ? error : new Error(String(error)), null];
        }
      }),
    );
  }
  return replies;
}

function isRedirection(error: Error | null): boolean {
  return error !== null && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /.test(error.message);
}
