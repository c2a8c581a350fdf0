/** `YYYY-MM-DD HH:MM:SS` in UTC, the format of the original job's pprint header (UTC: the same on every host). */
export function formatBatchTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
