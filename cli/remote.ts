import { EXIT } from './exit-codes.js';
import { redactText } from '../lib/log/index.js';
import type { ExecutionStep } from '../lib/aws/index.js';

type Out = (s: string) => void;

function stepLine(start: number, s: ExecutionStep): string {
  const t = ((Date.parse(s.at) - start) / 1000).toFixed(1).padStart(6);
  const what =
    s.kind === 'entered'
      ? `→ ${s.name}`
      : s.kind === 'exited'
        ? `← ${s.name}`
        : `${s.name}${s.detail ? `: ${s.detail}` : ''}`;
  return `[+${t}s] ${redactText(what)}`;
}

/**
 * Follow a deployed execution until it ends: a line per state entered (→) and left (←), the
 * failures, the end. With --json the lines go to stderr and stdout gets one document at the end.
 * Ctrl-C stops following only: the execution runs on in AWS, and the command to follow it again
 * is printed. Exit 0 when it SUCCEEDED, 1 otherwise, 130 when interrupted.
 */
export async function followRemote(executionArn: string, json: boolean, out: Out, err: Out): Promise<number> {
  const { followExecution } = await import('../lib/aws/index.js');
  const say = json ? err : out;
  const steps: ExecutionStep[] = [];
  let start: number | undefined;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  say(`started ${executionArn}; following its history (Ctrl-C stops following, not the execution)`);
  try {
    const exec = await followExecution(executionArn, {
      signal: abort.signal,
      pollMs: Number(process.env.FREEZER_DR_FOLLOW_POLL_MS ?? 2000),
      onStep: (s) => {
        start ??= Date.parse(s.at);
        steps.push(s);
        say(stepLine(start, s));
      },
    });
    const status = exec?.status ?? 'UNKNOWN';
    const name = executionArn.split(':').at(-1) ?? '';
    if (json)
      out(JSON.stringify({ executionArn, status, error: exec?.error ?? null, cause: exec?.cause ?? null, steps }));
    else if (abort.signal.aborted)
      out(
        `stopped following; the execution is ${status}. Follow it again with: freezer-dr incidents watch ${name} --remote`,
      );
    else out(`execution ${status}${exec?.error ? `: ${exec.error}: ${redactText(exec.cause ?? '')}` : ''}`);
    if (abort.signal.aborted) return EXIT.interrupted;
    return status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
