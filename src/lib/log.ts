/** Structured JSON-lines logger: the root logger is the only global. */
export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

let threshold = ORDER.info;
let sink: (line: string) => void = (line) => process.stderr.write(line + '\n');

export function configureLogging(o: { level?: Level; sink?: (line: string) => void }): void {
  if (o.level) threshold = ORDER[o.level];
  if (o.sink) sink = o.sink;
}

export function isLevel(s: string): s is Level {
  return s in ORDER;
}

function make(bound: Record<string, unknown>): Logger {
  const emit = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < threshold) return;
    const rec: Record<string, unknown> = { time: new Date().toISOString(), level, msg, ...bound, ...fields };
    for (const [k, v] of Object.entries(rec)) if (v instanceof Error) rec[k] = v.message;
    sink(JSON.stringify(rec));
  };
  return {
    debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error'),
    child: (fields) => make({ ...bound, ...fields }),
  };
}

export const rootLogger: Logger = make({});
