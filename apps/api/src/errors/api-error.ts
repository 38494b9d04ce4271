import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/** An error the API answers with on purpose: a registry code plus optional detail for the client. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorCode;
  readonly statusCode: number;
  /** A machine-readable detail (e.g. why a domain is invalid). */
  readonly reason: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, detail: { message?: string; reason?: string; headers?: Record<string, string> } = {}) {
    super(detail.message ?? ERROR_CODES[code].message);
    this.code = code;
    this.statusCode = ERROR_CODES[code].status;
    this.reason = detail.reason;
    this.headers = detail.headers ?? {};
  }
}
