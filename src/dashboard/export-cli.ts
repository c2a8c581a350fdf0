/**
 * Exports from the dashboard's store: `npm run export -- --tweet ID|--from T --to T|--minute T [--format parquet]
 * [--out FILE] [--db FILE]`. DuckDB lets one process write a file: while a dashboard runs on it, the export is
 * fetched from that dashboard's HTTP API instead (DASHBOARD_URL, default from DASHBOARD_HOST and DASHBOARD_PORT).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { processEnv, readString } from '../config/env';
import { errorMessage } from '../shared/log';
import { readDashboardConfig } from './config';
import {
  exportFileName,
  exportToFile,
  parseExportFormat,
  parseExportSelection,
  type ExportFormat,
  type ExportSelection,
} from './export';
import { DashboardStore } from './store';

const USAGE =
  'usage: npm run export -- (--tweet ID | --from TIME --to TIME | --minute TIME) [--format csv|parquet] [--out FILE] [--db FILE]';

/** Exports from the store file itself; false when another process (a running dashboard) holds it. */
async function fromFile(
  dbPath: string,
  selection: ExportSelection,
  format: ExportFormat,
  out: string,
): Promise<number | false> {
  let store: DashboardStore;
  try {
    store = await DashboardStore.open({ path: dbPath, readOnly: true });
  } catch (error) {
    if (/lock/i.test(errorMessage(error))) return false;
    throw error;
  }
  try {
    return await exportToFile(store.reader, selection, format, out);
  } finally {
    await store.close();
  }
}

async function fromDashboard(
  baseUrl: string,
  selection: ExportSelection,
  format: ExportFormat,
  out: string,
): Promise<void> {
  const params = new URLSearchParams({ format });
  if (selection.kind === 'tweet') params.set('tweet', selection.tweetId);
  if (selection.kind === 'minute') params.set('minute', String(selection.minuteMs));
  if (selection.kind === 'range') {
    params.set('from', String(selection.fromMs));
    params.set('to', String(selection.toMs));
  }
  const response = await fetch(`${baseUrl}/api/export?${params.toString()}`);
  if (!response.ok) throw new Error(`${baseUrl} answered HTTP ${response.status}: ${await response.text()}`);
  await writeFile(out, Buffer.from(await response.arrayBuffer()));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tweet: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      minute: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
      db: { type: 'string' },
    },
  });
  const env = processEnv();
  const config = readDashboardConfig(env);
  const selection = parseExportSelection((name) => values[name as keyof typeof values]);
  const format = parseExportFormat(values.format);
  const out = values.out ?? exportFileName(selection, format);
  const rows = await fromFile(values.db ?? config.dbPath, selection, format, out);
  if (rows !== false) return void console.log(`wrote ${rows} rows to ${out}`);
  const baseUrl = readString(env, 'DASHBOARD_URL', `http://${config.host}:${config.port}`);
  await fromDashboard(baseUrl, selection, format, out);
  console.log(`a dashboard holds the store: exported through ${baseUrl}; wrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(`export: ${errorMessage(error)}\n${USAGE}`);
  process.exit(1);
});
