import { UserInputError } from '../lib/errors.js';

/**
 * The operator's terminal. Tests replace `ask` and `interactive` to answer prompts; everything
 * else reads the real stdin. Without a terminal nothing is ever asked: the flag must say it.
 */
export const terminal = {
  interactive: (): boolean => Boolean(process.stdin.isTTY && process.stdout.isTTY),
  /** The typed line, or null when the input ended (Ctrl-D, a closed terminal) before an answer. */
  // readline loads only when something is asked: most commands that can ask never do.
  ask: async (question: string): Promise<string | null> => {
    const { createInterface } = await import('node:readline');
    return new Promise((resolve) => {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      let answered = false;
      // 'close' without an answer used to leave this promise pending forever: with nothing else
      // keeping the process alive, Node then ended it with exit 13 ("unsettled top-level await").
      rl.once('close', () => {
        if (!answered) resolve(null);
      });
      rl.question(question, (line) => {
        answered = true;
        rl.close();
        resolve(line);
      });
    });
  },
};

/**
 * Ask the operator to type the host name before something that cannot be undone. `flag` is the
 * option that answers it without a terminal (e.g. "--yes"), or null when only a person may.
 * Returns true only for the exact host name; no terminal, or input that ends before an answer,
 * is a usage error (exit 2) naming that flag.
 */
export async function confirmByHostName(host: string, question: string, flag: string | null): Promise<boolean> {
  const how = flag ? `run it at a terminal, or add ${flag}` : 'run it at a terminal and type the host name';
  if (!terminal.interactive()) {
    throw new UserInputError(`${question.trim()} — there is no terminal to confirm it; nothing was done`, {
      hint: how,
    });
  }
  const answer = await terminal.ask(`${question} Type the host name to confirm: `);
  if (answer === null)
    throw new UserInputError(`${question.trim()} — the input ended before an answer; nothing was done`, {
      hint: how,
    });
  return answer.trim() === host;
}
