/** A mistake in how the command was called: reported to the person, exit status 2 (CONTRACT). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
