import { createInterface } from 'node:readline/promises';
import { UserInputError } from '../lib/errors.js';

/**
 * The operator's terminal. Tests replace `ask` and `interactive` to answer prompts; everything
 * else reads the real stdin. Without a terminal nothing is ever asked: the flag must say it.
 */
export const terminal = {
  interactive: (): boolean => Boolean(process.stdin.isTTY && process.stdout.isTTY),
  ask: async (question: string): Promise<string> => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  },
};

/**
 * Ask the operator to type the host name before something that cannot be undone. `flag` is the
 * option that answers it without a terminal (e.g. "--yes"), or null when only a person may.
 * Returns true only for the exact host name.
 */
export async function confirmByHostName(host: string, question: string, flag: string | null): Promise<boolean> {
  if (!terminal.interactive()) {
    throw new UserInputError(`${question.trim()} — there is no terminal to confirm it; nothing was done`, {
      hint: flag ? `run it at a terminal, or add ${flag}` : 'run it at a terminal and type the host name',
    });
  }
  return (await terminal.ask(`${question} Type the host name to confirm: `)).trim() === host;
}
