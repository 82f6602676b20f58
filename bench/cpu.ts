// CPU time spent by the server and by PostgreSQL over a measured window, from /proc (Linux only).
//
// Node: utime + stime of the server process (every thread: the event loop, libuv's pool, the GC)
// from /proc/<pid>/stat at the start and the end of the window.
// PostgreSQL: utime + stime of the PostgreSQL processes serving the benchmark database, found in
// pg_stat_activity (datname = the database) through a connection to the `postgres` database, so that
// the meter's own connection is not among them. Backends are listed at the start, every
// `pollMs` during the window and at the end; each process (pid and start time, so a reused pid is a
// new process) counts from its reading at the start, or from 0 when it appeared during the window.
// A process that ended during the window counts up to its last reading (the CPU of its last moments,
// and of parallel workers that lived between two polls, is missed). Autovacuum and other background
// workers on the database are counted apart: they are not the requests' work.
// Reading /proc/<pid>/stat of another user's process (PostgreSQL runs as `postgres`) is allowed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import postgres from 'postgres';
import { postgresTarget } from '../src/db/client';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`, almost always 100). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const answer = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
    ticksPerSecond = Number.isInteger(answer) && answer > 0 ? answer : 100;
  }
  return ticksPerSecond;
}

/** utime + stime (clock ticks) and start time of a process, from /proc/<pid>/stat; null when it is gone (or not on Linux). */
export function procCpu(pid: number): { ticks: number; started: string } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    // fields[0] is field 3 (state), so utime (14) is fields[11], stime (15) fields[12], starttime (22) fields[19].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? { ticks, started: fields[19] ?? '?' } : null;
  } catch {
    return null;
  }
}

export type CpuUse = {
  /** The server process's CPU over the window, ms (null when /proc could not be read). */
  nodeMs: number | null;
  /** The database's client backends' (and parallel workers') CPU over the window, ms. */
  postgresMs: number | null;
  /** Background workers on the database (autovacuum, …): CPU over the window, ms, not in postgresMs. */
  backgroundMs: number;
  /** Client backends and parallel workers seen: in all, opened during the window, ended during it. */
  backends: { seen: number; opened: number; ended: number };
  windowMs: number;
};

type Tracked = { pid: number; background: boolean; from: number; last: number; opened: boolean; ended: boolean };

export type CpuMeter = {
  /** Runs `work` as the measured window and returns its result with the CPU the server and PostgreSQL spent meanwhile. */
  measure<T>(serverPid: number | undefined, work: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }>;
  close(): Promise<void>;
};

/** A meter for the database that `databaseUrl` names (its server must be on this machine). */
export function cpuMeter(databaseUrl: string, pollMs = 250): CpuMeter {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/postgres';
  const target = postgresTarget(url.toString());
  const monitor = postgres(target.url, { path: target.path, max: 1, onnotice: () => {}, connect_timeout: 10 });
  const tick = 1000 / clockTicksPerSecond();

  const backends = async () =>
    (
      await monitor<Array<{ pid: number; backend_type: string | null }>>`
      select pid, backend_type from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`
    ).map((r) => ({
      pid: Number(r.pid),
      background: r.backend_type !== 'client backend' && r.backend_type !== 'parallel worker',
    }));

  return {
    async measure<T>(serverPid: number | undefined, work: () => Promise<T>) {
      const tracked = new Map<string, Tracked>();
      const read = async (phase: 'start' | 'during' | 'end') => {
        const now = await backends();
        const present = new Set<string>();
        for (const { pid, background } of now) {
          const cpu = procCpu(pid);
          if (!cpu) continue;
          const key = `${pid}:${cpu.started}`;
          present.add(key);
          const known = tracked.get(key);
          if (known) known.last = cpu.ticks;
          else tracked.set(key, { pid, background, from: phase === 'start' ? cpu.ticks : 0, last: cpu.ticks, opened: phase !== 'start', ended: false });
        }
        for (const [key, t] of tracked) if (!present.has(key)) t.ended = true;
      };

      const nodeBefore = serverPid === undefined ? null : procCpu(serverPid);
      await read('start');
      const started = performance.now();
      let polling = Promise.resolve();
      const timer = setInterval(() => {
        polling = polling.then(() => read('during')).catch(() => {});
      }, pollMs);
      let result: T;
      try {
        result = await work();
      } finally {
        clearInterval(timer);
      }
      const windowMs = performance.now() - started;
      const nodeAfter = serverPid === undefined ? null : procCpu(serverPid);
      await polling;
      await read('end');

      const client = [...tracked.values()].filter((t) => !t.background);
      const sum = (list: Tracked[]) => list.reduce((total, t) => total + (t.last - t.from), 0) * tick;
      return {
        result,
        cpu: {
          nodeMs: nodeBefore && nodeAfter && nodeBefore.started === nodeAfter.started ? (nodeAfter.ticks - nodeBefore.ticks) * tick : null,
          postgresMs: client.length === 0 ? null : sum(client),
          backgroundMs: sum([...tracked.values()].filter((t) => t.background)),
          backends: { seen: client.length, opened: client.filter((t) => t.opened).length, ended: client.filter((t) => t.ended).length },
          windowMs,
        },
      };
    },
    async close() {
      await monitor.end({ timeout: 5 });
    },
  };
}
