/** The dashboard's HTTP server (node:http): the page, uPlot from node_modules, the JSON API, events and exports. */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { errorMessage } from '../shared/log';
import { createDashboardMetrics } from '../metrics/dashboard-metrics';
import { describeRule, type AlertRule } from './alert-rules';
import type { EventHub } from './events';
import { exportFileName, exportToFile, parseExportFormat, parseExportSelection } from './export';
import type { IngestStats } from './ingest';
import { alerts, leaderboard, reports, seriesOf, storeStats } from './queries';
import type { DashboardStatus } from './status';
import type { DashboardStore } from './store';

export interface ServerDeps {
  store: DashboardStore;
  hub: EventHub;
  /** The tick length now (it may come from the workflow's status). */
  tickMs(): number;
  rules: AlertRule[];
  instanceId: string;
  status(): DashboardStatus;
  ingestStats(): IngestStats;
}

// uplot's main file sits in its dist/ folder, beside the browser builds served here.
const UPLOT_DIST = dirname(require.resolve('uplot'));
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: join(__dirname, 'public', 'index.html'), type: 'text/html; charset=utf-8' },
  '/app.js': { file: join(__dirname, 'public', 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: join(__dirname, 'public', 'style.css'), type: 'text/css; charset=utf-8' },
  '/vendor/uPlot.iife.min.js': { file: join(UPLOT_DIST, 'uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/vendor/uPlot.min.css': { file: join(UPLOT_DIST, 'uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function intParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max)
    throw new HttpError(400, `${name} must be a whole number from 1 to ${max}`);
  return Number(raw);
}

/** Creates the server (not listening yet). */
export function createDashboardServer(deps: ServerDeps): Server {
  const db = deps.store.reader;
  const metrics = createDashboardMetrics(deps);
  const routes: Record<string, (url: URL, res: ServerResponse) => Promise<void>> = {
    '/api/leaderboard': async (url, res) =>
      json(res, await leaderboard(db, intParam(url, 'limit', 20, 500), deps.tickMs())),
    '/api/series': async (url, res) => {
      const ids = url.searchParams.getAll('tweet');
      if (ids.length === 0 || ids.length > 50) throw new HttpError(400, 'give 1 to 50 tweet=<id> parameters');
      json(res, { series: await seriesOf(db, ids) });
    },
    '/api/reports': async (url, res) => json(res, { reports: await reports(db, intParam(url, 'limit', 50, 1000)) }),
    '/api/alerts': async (url, res) =>
      json(res, {
        rules: deps.rules.map((r) => ({ ...r, description: describeRule(r) })),
        alerts: await alerts(db, intParam(url, 'limit', 100, 1000)),
      }),
    '/api/status': async (_url, res) =>
      json(res, {
        instanceId: deps.instanceId,
        tracking: deps.status(),
        store: await storeStats(db),
        ingest: deps.ingestStats(),
      }),
    '/api/export': (url, res) => sendExport(deps.store, url, res),
    // Prometheus scrapes the dashboard on its own port: no port of its own to configure.
    '/metrics': async (_url, res) => {
      const body = await metrics.metrics();
      res.writeHead(200, { 'content-type': metrics.contentType });
      res.end(body);
    },
  };

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const handle = async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'only GET');
      if (url.pathname === '/api/events') return deps.hub.attach(res);
      const asset = STATIC[url.pathname];
      if (asset) {
        res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache' });
        return void res.end(await readFile(asset.file));
      }
      const route = routes[url.pathname];
      if (!route) throw new HttpError(404, `no such page: ${url.pathname}`);
      await route(url, res);
    };
    handle().catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 400;
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: errorMessage(error) }));
    });
  });
}

/** COPYs the selection to a temporary file, streams it as a download, then deletes it. */
async function sendExport(store: DashboardStore, url: URL, res: ServerResponse): Promise<void> {
  const get = (name: string) => url.searchParams.get(name) ?? undefined;
  const format = parseExportFormat(get('format'));
  const selection = parseExportSelection(get);
  const dir = await mkdtemp(join(tmpdir(), 'dashboard-export-'));
  try {
    const name = exportFileName(selection, format);
    const path = join(dir, name);
    await exportToFile(store.reader, selection, format, path);
    res.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet',
      'content-disposition': `attachment; filename="${name}"`,
    });
    await new Promise<void>((resolve, reject) => {
      createReadStream(path).on('error', reject).pipe(res).on('finish', resolve).on('error', reject);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
