/**
 * Every secret value we resolve is registered here, and every log line, error message shown
 * to a person, execution output and notification passes through `redact` (S6).
 * This is the last line of defence: code should not put secrets there in the first place.
 */
const secrets = new Set<string>();
const SENSITIVE_KEY = /pass(word)?|secret|token|credential|authorization|cookie|x-auth/i;

export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; a 1–3 character secret is a config problem anyway.
  if (value && value.length >= 4) secrets.add(value);
}

export function redactText(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

/** Deep copy with sensitive keys masked and registered secrets removed from strings. */
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
      out[k] = SENSITIVE_KEY.test(k) && typeof v === 'string' && !k.endsWith('Ref') ? '[redacted]' : walk(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** For tests: forget registered secrets. */
export function clearSecretsForTests(): void {
  secrets.clear();
}
