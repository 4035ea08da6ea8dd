import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserInputError } from '../lib/errors.js';

/** node:util parseArgs in strict mode, with its errors turned into a usage error naming the command. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals,
    });
  } catch (err) {
    throw new UserInputError(
      `${command}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`,
      { hint: `see: freezer-dr ${command} --help` },
    );
  }
}
