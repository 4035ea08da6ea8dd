import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserInputError } from '../lib/errors.js';

let osCloudFlag: string | undefined;
/** The --os-cloud of the command being run (the clouds.yaml cloud to use instead of the config's). */
export const osCloud = (): string | undefined => osCloudFlag;

/** node:util parseArgs in strict mode, with its errors turned into a usage error naming the command. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' }, 'os-cloud': { type: 'string' } },
      strict: true,
      allowPositionals,
    });
    // Every command takes --os-cloud NAME (as the openstack CLI): requireConfig applies it.
    osCloudFlag = (parsed.values as { 'os-cloud'?: string })['os-cloud'];
    return parsed;
  } catch (err) {
    throw new UserInputError(
      `${command}: ${(err as Error).message.replace(/\. To specify a positional argument.*$/s, '')}`,
      { hint: `see: freezer-dr ${command} --help` },
    );
  }
}
