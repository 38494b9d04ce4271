/**
 * `mxv worker` flags that lift the provider and network group limits. The
 * simulated world sits in a few /24s of loopback, most of it under one provider,
 * so a bench about something else (Redis, faults) would otherwise run at the
 * pace of the groups' defaults. (The tests have the same list: apps/cli/test/run-cli.ts.)
 */
export const LIFTED_GROUP_LIMITS = [
  '--rate-per-provider',
  '10000',
  '--max-conn-per-provider',
  '10000',
  '--rate-per-network',
  '10000',
  '--max-conn-per-network',
  '10000',
];
