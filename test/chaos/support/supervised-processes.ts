import { waitUntil } from '../../../src/devnet/wait-until.ts';
import { type CliProcess, killHard, tail } from '../../fixtures/cli-process.ts';

/**
 * One process per role, kept running as a supervisor (systemd, Kubernetes) keeps it: one that
 * exits without being killed here is started again. Before its ready line that is a start-up that
 * failed (it could not open its database, say) and is only counted; after it, it is a crash,
 * which a scenario asserts never happens.
 */
export type SupervisedProcesses<Role extends string> = {
  current(role: Role): CliProcess;
  isUp(role: Role): boolean;
  /** Resolves once every role's current process is up (a successor stands for one that failed). */
  allUp(timeoutMs: number): Promise<void>;
  /** SIGKILL to this process, if it is still the role's current one, and a successor started. */
  kill(role: Role, victim: CliProcess): Promise<boolean>;
  /** Start-ups that failed, and crashes, each with the process's last lines. */
  readonly startFailures: string[];
  readonly crashes: string[];
  /** No more restarts: the harness stops what runs. */
  stop(): void;
};

export function superviseProcesses<Role extends string>(options: {
  roles: readonly Role[];
  ready: Record<Role, RegExp>;
  start(role: Role): CliProcess;
}): SupervisedProcesses<Role> {
  const running = new Map<Role, CliProcess>();
  const killed = new Set<CliProcess>();
  const startFailures: string[] = [];
  const crashes: string[] = [];
  let supervising = true;
  const hasStarted = (role: Role, process: CliProcess) =>
    process.lines().some((line) => options.ready[role].test(line));
  const start = (role: Role) => {
    const process = options.start(role);
    running.set(role, process);
    void process.exited.then((exit) => {
      if (killed.has(process) || !supervising) return;
      // The error it reported, if any, rather than the end of its stack trace.
      const reason = process.lines().find((line) => /error/i.test(line)) ?? tail(process.output(), 5);
      const what = `${role} (code ${exit.code}, signal ${exit.signal}): ${reason}`;
      (hasStarted(role, process) ? crashes : startFailures).push(what);
      if (running.get(role) === process) start(role);
    });
  };
  for (const role of options.roles) start(role);
  const current = (role: Role) => running.get(role) as CliProcess;
  const isUp = (role: Role) => hasStarted(role, current(role));
  return {
    current,
    isUp,
    async allUp(timeoutMs) {
      await waitUntil(() => options.roles.every(isUp), { timeoutMs }).catch((error: Error) => {
        const down = options.roles.filter((role) => !isUp(role));
        const tails = down.map((role) => `${role}:\n${tail(current(role).output(), 10)}`);
        throw new Error(`not all up: ${error.message}\n${tails.join('\n')}`);
      });
    },
    async kill(role, victim) {
      if (running.get(role) !== victim) return false;
      killed.add(victim);
      await killHard(victim);
      start(role);
      return true;
    },
    startFailures,
    crashes,
    stop() {
      supervising = false;
    },
  };
}
