import { UserInputError } from '../errors.js';

/** `capacity --host X` names a host Nova does not list. */
export class UnknownCapacityHostError extends UserInputError {
  constructor(host: string, known: readonly string[]) {
    super(`no compute host named "${host}" in Nova's os-services`, {
      hint: `known compute hosts: ${known.join(', ') || '(none)'}`,
    });
    this.name = 'UnknownCapacityHostError';
  }
}
