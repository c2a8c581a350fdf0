import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';

/**
 * A failed call to X, reduced to what a caller needs: status, whether a retry can help, and a message that says
 * what to fix. The library's error is deliberately not kept as `cause`: it holds the request, whose headers carry
 * the bearer token, and would print it if logged.
 */
export class XApiError extends Error {
  constructor(
    message: string,
    /** HTTP status, or undefined for a network or TLS failure. */
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'XApiError';
  }
}

/** HTTP 429: retry at `resetAtMs` (epoch ms, from `x-rate-limit-reset`), not before. */
export class XRateLimitError extends XApiError {
  constructor(
    readonly endpoint: string,
    readonly resetAtMs: number,
    /** `x-rate-limit-limit` of the 429, when X sent it: the window's size after the reset. */
    readonly limit?: number,
  ) {
    super(`X rate limit reached for ${endpoint}; the window resets at ${new Date(resetAtMs).toISOString()}`, 429, true);
    this.name = 'XRateLimitError';
  }
}

/** Without an `x-rate-limit-reset` header, X's advice for 429 is to wait a minute. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

const TLS_CODES =
  /^(CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET_ISSUER|VERIFY_LEAF)|ERR_TLS_CERT)/;

function problemText(data: unknown): string {
  if (typeof data !== 'object' || data === null) return '';
  const body = data as { title?: unknown; detail?: unknown; errors?: { message?: unknown; detail?: unknown }[] };
  const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
  const parts = [body.title, body.detail, first?.message ?? first?.detail].filter(
    (p): p is string => typeof p === 'string',
  );
  return parts.length ? `: ${[...new Set(parts)].join(' - ')}` : '';
}

/** Converts whatever a twitter-api-v2 call threw into an `XApiError`; `endpoint` names the call for messages. */
export function toXError(error: unknown, endpoint: string, nowMs: number = Date.now()): XApiError {
  if (error instanceof XApiError) return error;
  if (error instanceof ApiResponseError) {
    const status = error.code;
    if (status === 429) {
      const reset = error.rateLimit?.reset ?? Number(error.headers?.['x-rate-limit-reset']);
      const resetAtMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 : nowMs + DEFAULT_RATE_LIMIT_WAIT_MS;
      const limit = error.rateLimit?.limit ?? Number(error.headers?.['x-rate-limit-limit']);
      return new XRateLimitError(endpoint, resetAtMs, Number.isFinite(limit) && limit > 0 ? limit : undefined);
    }
    const detail = problemText(error.data);
    if (status === 401) {
      return new XApiError(
        `X rejected the bearer token for ${endpoint} (HTTP 401${detail}): check X_BEARER_TOKEN`,
        401,
        false,
      );
    }
    if (status === 403) {
      return new XApiError(
        `X refused ${endpoint} (HTTP 403${detail}): the app behind X_BEARER_TOKEN lacks access to this endpoint`,
        403,
        false,
      );
    }
    if (status >= 500)
      return new XApiError(`X failed on ${endpoint} (HTTP ${status}${detail}); retrying may help`, status, true);
    return new XApiError(`X rejected ${endpoint} as invalid (HTTP ${status}${detail})`, status, false);
  }
  if (error instanceof ApiRequestError) {
    // twitter-api-v2 1.29 stores the cause as `error` but its `requestError` getter reads another key.
    const cause = (error.requestError ??
      (error as unknown as { _options?: { error?: Error } })._options?.error ??
      error) as NodeJS.ErrnoException;
    if (cause.code && TLS_CODES.test(cause.code)) {
      return new XApiError(
        `TLS check failed calling ${endpoint} (${cause.code}): set X_API_CA_FILE to the CA of X_API_BASE_URL`,
        undefined,
        false,
      );
    }
    return new XApiError(`Network error calling ${endpoint}: ${cause.code ?? cause.message}`, undefined, true);
  }
  if (error instanceof ApiPartialResponseError) {
    return new XApiError(
      `Connection to X dropped during ${endpoint}: ${error.message}`,
      error.response?.statusCode,
      true,
    );
  }
  return new XApiError(
    `Unexpected error calling ${endpoint}: ${(error as Error)?.message ?? String(error)}`,
    undefined,
    true,
  );
}
