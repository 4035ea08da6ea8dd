/**
 * The last case of every reliability file: search everything the file produced for every
 * configured secret (S6), and record the result for the summary.
 */
import { expect, test } from '@jest/globals';
import { corpusSources, flushForScan, scanCorpus, scanTexts } from './corpus.js';
import { recordCase } from './results.js';

export function secretScanCase(minSources: string[] = []): void {
  test('S6 secret scan: nothing this file produced contains a configured secret or a token', async () => {
    await flushForScan();
    // The scanner itself works: a planted secret in each form is found.
    const planted = new Map([['pl4nted-s3cret"/x', 'planted']]);
    expect(
      scanTexts(
        [
          { source: 'a', text: 'x pl4nted-s3cret"/x y' },
          { source: 'b', text: JSON.stringify({ v: 'pl4nted-s3cret"/x' }) },
          { source: 'c', text: `u=${encodeURIComponent('pl4nted-s3cret"/x')}` },
        ],
        planted,
      ),
    ).toHaveLength(3);

    const result = scanCorpus();
    recordCase({
      category: 'secret-scan',
      leaks: result.hits.length,
      note: `${result.items} items, ${result.bytes} bytes, ${result.secrets} secrets (${result.secretKinds.join(', ')})`,
      scan: { items: result.items, bytes: result.bytes, secrets: result.secrets, kinds: result.secretKinds },
    });
    expect(result.items).toBeGreaterThan(0);
    expect(result.secrets).toBeGreaterThan(0);
    for (const s of minSources) expect(corpusSources()).toContain(s);
    // Hits name the secret's kind and where it was found, never the value.
    expect(result.hits).toEqual([]);
  });
}
