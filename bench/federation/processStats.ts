import fs from 'node:fs';

// CPU time and resident memory of a process and its descendants, from Linux's /proc.

/** Clock ticks per second of /proc/<pid>/stat's times: USER_HZ, 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** `pid` and every process below it (a gateway that forks workers is measured whole). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i += 1) {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${pids[i]}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = fs.readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8').trim();
        if (children) pids.push(...children.split(/\s+/).map(Number));
      } catch {
        // The task ended while being read.
      }
    }
  }
  return pids;
}

/** User plus system CPU time of one process so far, in ms (all its threads: GC and libuv's included). */
function cpuMsOf(pid: number): number {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // The command name (field 2) may hold spaces; the fields after it are counted from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are the 12th and 13th after the name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

function rssKiBOf(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU time used so far by `pids` and their descendants, in ms. */
export function treeCpuMs(pids: readonly number[]): number {
  return pids.flatMap(processTree).reduce((sum, pid) => sum + cpuMsOf(pid), 0);
}

/** Resident memory of `pids` and their descendants now, in KiB. */
export function treeRssKiB(pids: readonly number[]): number {
  return pids.flatMap(processTree).reduce((sum, pid) => sum + rssKiBOf(pid), 0);
}

/** CPU time the whole machine has spent busy so far (every core, every process: user, nice, system, irq, softirq, steal), in ms. */
export function machineBusyMs(): number {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice: guest time is already counted in user.
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) / TICKS_PER_SECOND;
}
