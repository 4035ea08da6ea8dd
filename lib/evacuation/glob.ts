/** A whole-name glob: `*` any run of characters, `?` one character, the rest literal (case-sensitive). */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob]
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.+()|[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 's');
}

/** The first glob the name matches, or null. */
export function firstMatchingGlob(name: string, globs: readonly string[]): string | null {
  return globs.find((g) => globToRegExp(g).test(name)) ?? null;
}
