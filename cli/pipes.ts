/**
 * `freezer-dr incidents ID | head`: once the reader has gone, stdout (or stderr) answers EPIPE.
 * That is not an error of ours: further lines to that stream are dropped, the command carries on
 * to its own end (a recovery is never cut short by a closed pipe) and exits with its own code.
 */
const closed = new WeakSet<NodeJS.WriteStream>();

function guard(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') closed.add(stream);
    else throw err;
  });
}

let installed = false;
/** Install the guards once per process (the binary's writers; tests pass their own). */
export function guardPipes(): void {
  if (installed) return;
  installed = true;
  guard(process.stdout);
  guard(process.stderr);
}

/** A line writer for a process stream that goes quiet once its reader has gone. */
export function lineWriter(stream: NodeJS.WriteStream): (line: string) => void {
  return (line) => {
    if (closed.has(stream) || stream.destroyed) return;
    stream.write(line + '\n');
  };
}
