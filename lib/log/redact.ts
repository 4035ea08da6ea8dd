/**
 * Every secret value we resolve is registered here, and every log line, error message shown
 * to a person, execution output, timeline event, line on stdout and notification passes through
 * `redact` / `redactText` (S6): one rule for every output.
 * This is the last line of defence: code should not put secrets there in the first place.
 *
 * The rule: a value is redacted where it stands as a value, never inside an ordinary word.
 * - A value under a sensitive name is redacted whether or not it was registered: JSON fields and
 *   object keys (`password`, `X-Auth-Token`, `token`, ...), `key=value` / `key: value` pairs, HTTP
 *   headers (`Authorization: Bearer …`), URL query values (`?token=…`) and the password in a URL's
 *   userinfo (`https://user:…@host`).
 * - A registered secret is redacted wherever it occurs as a whole token: not next to a letter or
 *   digit. So with the password `admin`, "ipmi admin@10.0.0.5" loses its userinfo but
 *   "cloud administrator" stays intact. A strong secret (long, not a common word) cannot be part
 *   of an ordinary word, so it is also removed from inside longer tokens.
 * A secret that is too short or too common to be told apart from ordinary words is reported once
 * through `onWeakSecret` (the logger turns it into one warning naming the config key).
 */

const REDACTED = '[redacted]';
const SENSITIVE_KEY = /pass(word)?|secret|token|credential|authorization|cookie|x-auth/i;

/** Shorter than this, a secret could be an ordinary word: it is redacted only as a whole token. */
const STRONG_MIN_LENGTH = 8;
/** Shorter than this, even whole-token redaction would mask ordinary words: only named values are redacted. */
const TOKEN_MIN_LENGTH = 4;

/** Vendor defaults and words people use as passwords (compared case-insensitively). */
const COMMON = new Set([
  'admin',
  'administrator',
  'password',
  'passw0rd',
  'changeme',
  'secret',
  'root',
  'toor',
  'calvin',
  'openstack',
  'nova',
  'keystone',
  'default',
  'guest',
  'user',
  'test',
  'qwerty',
  'letmein',
  'welcome',
  '123456',
  '12345678',
  '123456789',
  'ADMIN',
]);

export interface WeakSecret {
  /** The config key or reference the secret came from, never its value. */
  key: string;
  reason: 'too-short' | 'too-common';
}

interface Entry {
  forms: string[];
  strong: boolean;
  token: RegExp | null;
}

const secrets = new Map<string, Entry>();
const warned = new Set<string>();
let weakListener: ((w: WeakSecret) => void) | undefined;

/** Called once per config key whose secret cannot be redacted safely (the logger warns). */
export function onWeakSecret(listener: ((w: WeakSecret) => void) | undefined): void {
  weakListener = listener;
}

/** How safely a secret can be told apart from ordinary words. */
export function secretStrength(value: string): 'strong' | WeakSecret['reason'] {
  if (COMMON.has(value) || COMMON.has(value.toLowerCase())) return 'too-common';
  if (value.length < STRONG_MIN_LENGTH) return 'too-short';
  return 'strong';
}

/**
 * Register a resolved secret. `key` names where it was configured (a config path or its
 * reference such as `env:OS_PASSWORD`) for the warning about a weak secret; never the value.
 */
export function registerSecret(value: string | undefined, key?: string): void {
  if (!value) return;
  const strength = secretStrength(value);
  if (strength !== 'strong') {
    // Once per secret, named by the first key it was registered under.
    if (!warned.has(value)) {
      warned.add(value);
      weakListener?.({ key: key ?? 'a configured secret', reason: strength });
    }
  }
  if (secrets.has(value) || value.length < TOKEN_MIN_LENGTH) return;
  // The forms a secret takes inside produced text: as is, JSON-escaped, URL-encoded.
  const forms = [...new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)])];
  const strong = strength === 'strong';
  const alternatives = forms.map(escapeRegExp).join('|');
  secrets.set(value, {
    forms,
    strong,
    token: strong ? null : new RegExp(`(?<![A-Za-z0-9])(?:${alternatives})(?![A-Za-z0-9])`, 'g'),
  });
}

// `Authorization: Bearer x`, `X-Auth-Token: x`, `"password": "x"`, `password=x`, `token: x`, `?token=x`.
// A key right after a "." is a config path in one of our own messages ("auth.password: missing"): not a value.
const NAMED_VALUE =
  /(?<![.A-Za-z0-9_-])(["']?)([A-Za-z0-9_-]*(?:pass(?:word)?|secret|token|credential|api[-_]?key|authorization)[A-Za-z0-9_-]*)\1(\s*[:=]\s*)(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|((?:Bearer|Basic|Token)\s+)?([^\s"'&,;)}\]]+))/gi;
const AUTH_HEADER = /\b(authorization|x-auth-token|x-subject-token|cookie)(\s*:\s*)([^\r\n]+)/gi;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:)([^/\s@]+)@/gi;

/** Redact named values, URL passwords and registered secrets in free text. */
export function redactText(text: string): string {
  if (!text) return text;
  let out = text
    .replace(AUTH_HEADER, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    .replace(URL_PASSWORD, (_m, head: string) => `${head}${REDACTED}@`)
    .replace(
      NAMED_VALUE,
      (m, q: string, key: string, sep: string, dq?: string, sq?: string, scheme?: string, bare?: string) => {
        // A config reference (`passwordRef: env:X`, `password: env:X`) or an already redacted value is not a secret.
        if (/ref$/i.test(key) || (bare !== undefined && /^(\[redacted|env:|ssm:\/|secret:)/.test(bare))) return m;
        if (dq !== undefined) return `${q}${key}${q}${sep}"${REDACTED}"`;
        if (sq !== undefined) return `${q}${key}${q}${sep}'${REDACTED}'`;
        return `${q}${key}${q}${sep}${scheme ?? ''}${REDACTED}`;
      },
    );
  for (const e of secrets.values()) {
    if (e.token) out = out.replace(e.token, REDACTED);
    else for (const f of e.forms) if (out.includes(f)) out = out.split(f).join(REDACTED);
  }
  return out;
}

/** Deep copy with sensitive keys masked and strings redacted by `redactText`. */
export function redact<T>(value: T): T {
  return walk(value, 0) as T;
}

function walk(value: unknown, depth: number): unknown {
  if (depth > 12) return '[too deep]';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SENSITIVE_KEY.test(k) && typeof v === 'string' && !k.endsWith('Ref') ? REDACTED : walk(v, depth + 1);
    }
    return out;
  }
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** For tests: forget registered secrets and the warnings already given. */
export function clearSecretsForTests(): void {
  secrets.clear();
  warned.clear();
}
