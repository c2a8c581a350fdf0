import { readFileSync } from 'node:fs';
import { Agent, type AgentOptions } from 'node:https';
import { rootCertificates } from 'node:tls';
import { type ITwitterApiClientPlugin, TwitterApi, type TwitterApiReadOnly } from 'twitter-api-v2';
import { DEFAULT_X_API_BASE_URL as X_ORIGIN, type XConfig } from './config';

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

/** An app-auth read-only client for `config.baseUrl` that also trusts `config.caFile`. */
export function createXClient(config: XConfig): XClient {
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
  const plugins = config.baseUrl.origin === X_ORIGIN && config.baseUrl.pathname === '/' ? [] : [baseUrlPlugin(config.baseUrl)];
  const api = new TwitterApi(config.bearerToken, { httpAgent: agent, plugins }).readOnly;
  return { api, config, close: () => agent.destroy() };
}
