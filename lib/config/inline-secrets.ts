import { SecretRefSchema } from './schemas.js';

/** Keys whose value is a secret wherever they appear (the schema's SecretRef fields, and any a newer one adds). */
const SECRET_KEY = /pass(word|phrase)?$|secret$|token$|api[-_]?key$|private[-_]?key$|credentials?$/i;
/** A URL with a password in it: https://user:pass@host. */
const URL_WITH_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i;

/**
 * Every place in a raw config where a secret is written inline instead of referenced
 * (`env:NAME`, `secret:<arn>[#key]`, `ssm:/path`). The zod schema already refuses plaintext in
 * the fields it declares as secrets; this walks the whole document, so a secret under any
 * secret-looking key, or inside a URL, is refused before it can reach a CloudFormation template.
 * Returns field paths only — never the values.
 */
export function findInlineSecrets(raw: unknown, path: string[] = []): string[] {
  if (Array.isArray(raw)) return raw.flatMap((v, i) => findInlineSecrets(v, [...path, String(i)]));
  if (raw && typeof raw === 'object')
    return Object.entries(raw as Record<string, unknown>).flatMap(([k, v]) => {
      const here = [...path, k];
      if (typeof v === 'string' && SECRET_KEY.test(k) && !SecretRefSchema.safeParse(v).success)
        return [
          `${here.join('.')}: a secret written inline; use a reference ("env:NAME", "secret:<arn>[#key]" or "ssm:/path")`,
        ];
      return findInlineSecrets(v, here);
    });
  if (typeof raw === 'string' && URL_WITH_PASSWORD.test(raw))
    return [
      `${path.join('.')}: a URL with a password in it; put the password in Secrets Manager or SSM and reference it`,
    ];
  return [];
}
