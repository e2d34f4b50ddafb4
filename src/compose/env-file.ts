/** `.env` / env_file parsing as docker compose v2 reads it: KEY=VAL lines, # comments, quotes, `export` prefix. */
export function parseEnvFile(text: string, file: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=(.*))?$/.exec(line);
    if (!m) throw new Error(`${file}:${n + 1}: unexpected character in variable name "${line}"`);
    const [, key, raw] = m;
    out.set(key, raw === undefined ? undefined : unquote(raw.trim()));
  }
  return out;
}

function unquote(v: string): string {
  if (v.length >= 2 && v[0] === "'" && v.endsWith("'")) return v.slice(1, -1);
  if (v.length >= 2 && v[0] === '"' && v.endsWith('"')) {
    return v.slice(1, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  const hash = v.search(/\s#/);
  return hash >= 0 ? v.slice(0, hash).trimEnd() : v;
}
