/**
 * S6 collector: everything a test file lets freezer-dr produce — log lines, CLI output, child
 * process output, execution input/output, mails, incident records — and every secret it was
 * configured with (OpenStack password, application-credential secret, BMC passwords, SMTP
 * password, and the Keystone tokens seen on the wire). Each file scans its own corpus in its
 * last case (jest gives each file its own copy of this module).
 */

interface Item {
  source: string;
  text: string;
}

const items: Item[] = [];
const secrets = new Map<string, string>();
const dynamicSecrets: Array<{ label: string; values: () => Iterable<string> }> = [];

/** A configured secret value, with a label for the report (the value itself is never printed). */
export function addSecret(label: string, value: string | undefined): void {
  if (value && value.length >= 4 && !secrets.has(value)) secrets.set(value, label);
}

/** Secrets only known later (tokens issued during the run): read at scan time. */
export function addSecretSource(label: string, values: () => Iterable<string>): void {
  dynamicSecrets.push({ label, values });
}

const flushers: Array<() => Promise<void>> = [];

/** Something that adds its collected output late (an environment still running): called before a scan. */
export function onScan(flush: () => Promise<void>): void {
  flushers.push(flush);
}

export async function flushForScan(): Promise<void> {
  for (const f of flushers.splice(0)) await f();
}

/** Add produced text (or any JSON-able value) to the corpus. */
export function collect(source: string, value: unknown): void {
  let text: string;
  if (typeof value === 'string') text = value;
  else if (value instanceof Error) text = `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  items.push({ source, text });
}

export interface Hit {
  secret: string;
  source: string;
  at: number;
}

export interface ScanResult {
  items: number;
  bytes: number;
  secrets: number;
  secretKinds: string[];
  hits: Hit[];
}

function allSecrets(): Map<string, string> {
  const all = new Map(secrets);
  for (const d of dynamicSecrets)
    for (const v of d.values()) if (v && v.length >= 4 && !all.has(v)) all.set(v, d.label);
  return all;
}

/** The forms a secret can take inside produced text: as is, JSON-escaped, URL-encoded. */
function forms(value: string): string[] {
  return [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])];
}

/** Search `texts` for every secret; hits name the secret's label and the source, never the value. */
export function scanTexts(texts: readonly Item[], secretMap: Map<string, string>): Hit[] {
  const hits: Hit[] = [];
  for (const item of texts) {
    for (const [value, label] of secretMap) {
      for (const f of forms(value)) {
        const at = item.text.indexOf(f);
        if (at >= 0) {
          hits.push({ secret: label, source: item.source, at });
          break;
        }
      }
    }
  }
  return hits;
}

export function scanCorpus(): ScanResult {
  const all = allSecrets();
  return {
    items: items.length,
    bytes: items.reduce((n, i) => n + i.text.length, 0),
    secrets: all.size,
    secretKinds: [...new Set([...all.values()].map((l) => l.replace(/\s*\(.*\)$/, '')))].sort(),
    hits: scanTexts(items, all),
  };
}

export function corpusSources(): string[] {
  return [...new Set(items.map((i) => i.source.replace(/[:#].*$/, '')))].sort();
}
