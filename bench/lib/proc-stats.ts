import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times: 100 on Linux. */
const USER_HZ = 100;

/** Resident set size of a process in MiB, from /proc (Linux), or NaN when it is gone. */
export function rssMiB(pid: number): number {
  return statusMiB(pid, 'VmRSS');
}

/** The highest resident set size the process has had so far (the kernel's VmHWM), in MiB. */
export function rssPeakMiB(pid: number): number {
  return statusMiB(pid, 'VmHWM');
}

function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return match?.[1] ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  if (fields === null) return Number.NaN;
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces), or null when it is gone. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The parent's pid, or NaN when the process is gone. */
export function parentPid(pid: number): number {
  return Number(statFields(pid)?.[1] ?? Number.NaN);
}

/**
 * CPU seconds of a whole process tree one level deep: the process itself, the children it has
 * reaped (the kernel adds their time to its cutime/cstime when they exit) and its living children.
 * A delta of two readings counts children that started or ended in between: the time of one
 * that ended moves from the living sum into the reaped one.
 */
export function treeCpuSeconds(pid: number): number {
  const own = statFields(pid);
  if (own === null) return Number.NaN;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields !== null && Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / USER_HZ;
}

/** CPU seconds every core of the machine has spent busy (not idle, not waiting on I/O), from /proc/stat. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu  user nice system idle iowait irq softirq steal …
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / USER_HZ;
}
