import { readFileSync } from 'node:fs';
import { Agent, type AgentOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import {
  ApiPartialResponseError,
  type ITwitterApiClientPlugin,
  type TwitterRateLimit,
  TwitterApi,
  type TwitterApiReadOnly,
} from 'twitter-api-v2';
import { DEFAULT_X_API_BASE_URL as X_ORIGIN, type XConfig } from './config';
import { endpointName, postIdsOf, type XRequestObserver } from './request-observer';
import type { RateLimitState } from './types';

/** A twitter-api-v2 client and the connection pool it uses, closed together. */
export interface XClient {
  readonly api: TwitterApiReadOnly;
  readonly config: XConfig;
  /** Closes pooled keep-alive sockets (open streams are closed by their own signal). */
  close(): void;
}

/** A client plugin that sends every request (plain or stream) to `baseUrl` instead of api.x.com. */
export function baseUrlPlugin(baseUrl: URL): ITwitterApiClientPlugin {
  const target = baseUrl.toString().replace(/\/+$/, '');
  // The library re-parses `params.url` after the hook, so the string is what must change, not the URL object.
  const rewrite = (params: { url: string }): void => {
    if (params.url.startsWith(X_ORIGIN)) params.url = target + params.url.slice(X_ORIGIN.length);
  };
  return {
    onBeforeRequestConfig: ({ params }) => rewrite(params),
    onBeforeStreamRequestConfig: ({ params }) => rewrite(params),
  };
}

const rateLimitState = (rate: TwitterRateLimit | undefined): RateLimitState | undefined =>
  rate ? { limit: rate.limit, remaining: rate.remaining, resetMs: rate.reset * 1000 } : undefined;

/**
 * A client plugin that reports every REST request's endpoint, status, rate-limit headers and posts to `observer`
 * (the filtered stream's connection is not a REST request: the producer reports it). It only reads: the answer
 * or the error goes on to the caller unchanged.
 */
export function observerPlugin(observer: XRequestObserver): ITwitterApiClientPlugin {
  return {
    onAfterRequest: ({ computedParams, url, response }) => {
      const endpoint = endpointName(computedParams.method, url.pathname);
      const rateLimit = rateLimitState(response.rateLimit);
      observer.request({ endpoint, status: '2xx', rateLimit, postIds: postIdsOf(endpoint, response.data) });
    },
    onResponseError: ({ computedParams, url, error }) => {
      const endpoint = endpointName(computedParams.method, url.pathname);
      const rateLimit = rateLimitState(error.rateLimit);
      observer.request({ endpoint, status: String(error.code), rateLimit, postIds: [] });
    },
    onRequestError: ({ computedParams, url, error }) => {
      // A partial response had a status; a request error (refused, reset, TLS, timeout) never got one.
      const code = error instanceof ApiPartialResponseError ? error.response?.statusCode : undefined;
      const status = code ? String(code) : 'network';
      observer.request({ endpoint: endpointName(computedParams.method, url.pathname), status, postIds: [] });
    },
  };
}

/** An app-auth read-only client for `config.baseUrl` that also trusts `config.caFile`; `observer` sees each request. */
export function createXClient(config: XConfig, observer?: XRequestObserver): XClient {
  const agentOptions: AgentOptions = { keepAlive: true, maxSockets: 16 };
  if (config.caFile) {
    let extraCa: Buffer;
    try {
      extraCa = readFileSync(config.caFile);
    } catch (error) {
      throw new Error(`Cannot read X_API_CA_FILE "${config.caFile}": ${(error as Error).message}`);
    }
    // Node's `ca` replaces the default roots: keep them, so a CA file never breaks the real api.x.com.
    agentOptions.ca = [...rootCertificates, extraCa.toString('utf8')];
  }
  const agent = new Agent(agentOptions);
  const atX = config.baseUrl.origin === X_ORIGIN && config.baseUrl.pathname === '/';
  const plugins: ITwitterApiClientPlugin[] = atX ? [] : [baseUrlPlugin(config.baseUrl)];
  if (observer) plugins.push(observerPlugin(observer));
  const api = new TwitterApi(config.bearerToken, { httpAgent: agent, plugins }).readOnly;
  return { api, config, close: () => agent.destroy() };
}
