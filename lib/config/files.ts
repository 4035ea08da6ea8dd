import { readFileSync } from 'node:fs';
import { ConfigFileError, fileReason } from './errors.js';

/**
 * Read a file the configuration points at (a CA bundle, a certificate). A missing or unreadable
 * file is a ConfigFileError naming `key` and the path (exit 2), never a bare ENOENT.
 */
export function readConfiguredFile(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigFileError(key, path, fileReason(err), {
      cause: err,
      hint: `point ${key} at a readable PEM file, or remove it`,
    });
  }
}
