import { Command, Option } from 'commander';
import { DEMO_BOUNDS } from '../options/cli-bounds.js';
import { boundDefault } from '../options/number-flag.js';

export interface DemoFlags {
  json?: boolean;
  timeoutMs: string;
  serve?: boolean;
  once?: boolean;
  direct?: boolean;
  redis?: string;
  workers: string;
  host: string;
  port: string;
}

export function demoCommand(): Command {
  return new Command('demo')
    .summary('the whole fleet on a simulated mail world on loopback (no internet needed)')
    .description(
      "Starts the testkit's simulated world on 127.x loopback addresses: a resolver and one mail host per case (STARTTLS ok, expired or wrong-name certificates, null MX, 554/421 greetings, silent, refused, HTTP on port 25, ...).\nThen the fleet: a Redis (REDIS_URL if it answers, under a fresh prefix removed at the end; else a private redis-server if one is installed), workers, the API and the lookup page; the world's domains go through the queue, and each result is shown next to what the world says it should be. It keeps serving the lookup page until Ctrl-C (--once: exit after the summary). Without any Redis it says how to get one and checks in direct mode.",
    )
    .option('--json', 'print NDJSON results instead of tables')
    .addOption(
      new Option('--timeout-ms <n>', "budget for one host's SMTP conversation").default(boundDefault(DEMO_BOUNDS.hostBudgetMs)),
    )
    .option('--once', 'exit after the summary instead of serving the lookup page')
    .option('--direct', 'skip the fleet: check in this process, no Redis (the demo of mxv check)')
    .option('--serve', 'direct mode: keep the world running afterwards so you can run mxv check against it (Ctrl-C stops)')
    .addOption(new Option('--redis <url>', 'a Redis to use (a fresh key prefix, removed at the end)').env('REDIS_URL'))
    .addOption(new Option('--workers <n>', 'workers started in this process').default(boundDefault(DEMO_BOUNDS.workers)))
    .addOption(new Option('--host <host>', 'address of the lookup page and API').default('127.0.0.1'))
    .addOption(
      new Option('--port <n>', 'port of the lookup page and API (a free one if taken; 0: any)').default(
        boundDefault(DEMO_BOUNDS.port),
      ),
    )
    .action(async (flags: DemoFlags) => {
      // The simulated world (certificates, DNS, SMTP servers), the fleet and the API load only when the demo runs.
      const { runDemo } = await import('./run-demo.js');
      await runDemo(flags);
    });
}
