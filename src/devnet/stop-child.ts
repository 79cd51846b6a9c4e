import type { ChildProcess } from 'node:child_process';

const KILL_AFTER_MS = 5_000;

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Asks a child to stop with SIGTERM and resolves once it has exited, escalating to SIGKILL after
 * 5 s. SIGCONT goes first because a stopped (SIGSTOP) process would not act on SIGTERM.
 */
export async function stopChild(child: ChildProcess, killAfterMs = KILL_AFTER_MS): Promise<void> {
  if (hasExited(child) || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Settles with a readable reason once the child fails to spawn or exits. */
export function whenExited(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    child.once('error', (error) => resolve(`could not spawn: ${error.message}`));
    child.once('exit', (code, signal) => resolve(`exited early (code ${code}, signal ${signal})`));
  });
}
