/**
 * How the demo shows its children's output on one console. Their stderr is a pipe, so they log JSON lines: the demo
 * shows each as `[producer] Received tweet ...` (its level in front when not info), the message a person reads; the
 * fields are for log collectors (run a process on its own to see them). Anything else is shown as it came.
 */

interface LogRecord {
  level: string;
  msg: string;
}

function logRecord(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { level, msg } = parsed as Record<string, unknown>;
    return typeof level === 'string' && typeof msg === 'string' ? { level, msg } : undefined;
  } catch {
    return undefined; // a line that merely starts with a brace
  }
}

/** One output line of the child `name`, as the demo prints it. */
export function demoLine(name: string, line: string): string {
  const record = logRecord(line);
  if (!record) return `[${name}] ${line}`;
  const level = record.level === 'info' ? '' : `${record.level.toUpperCase()} `;
  return `[${name}] ${level}${record.msg}`;
}
