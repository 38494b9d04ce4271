/**
 * Preload (`node --import ./bench/lib/memory-report.mjs ...`): on SIGUSR2, writes
 * process.memoryUsage() and V8's code/metadata size as JSON to
 * $MXV_MEMORY_REPORT_FILE, after a full GC when --expose-gc allows one.
 */
import { writeFileSync } from 'node:fs';
import { getHeapCodeStatistics } from 'node:v8';

const file = process.env['MXV_MEMORY_REPORT_FILE'];
if (file) {
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    const code = getHeapCodeStatistics();
    writeFileSync(
      file,
      JSON.stringify({
        ...process.memoryUsage(),
        codeAndMetadata: code.code_and_metadata_size + code.bytecode_and_metadata_size,
      }),
    );
  });
}
