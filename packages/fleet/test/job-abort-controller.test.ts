import { describe, expect, it } from 'vitest';
import { jobAbortController } from '../src/verify-worker.js';

describe("a job's abort signal", () => {
  it('takes as many listeners as a check has questions and connections in flight, without a leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const { signal } = jobAbortController();
      const listeners = Array.from({ length: 40 }, () => () => undefined);
      for (const listener of listeners) signal.addEventListener('abort', listener);
      // A plain controller's signal warns at the eleventh: the test can fail.
      const plain = new AbortController().signal;
      for (const listener of listeners) plain.addEventListener('abort', listener);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((warning) => warning.name)).toEqual(['MaxListenersExceededWarning']);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
