// The kernel and process limits that decide how many connections one machine holds,
// read before `npm run bench:scale` opens any: the open-file limits of a process, the
// listen queues, the ephemeral ports per source address and the kernel's TCP memory.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Limits {
  /** `ulimit -Sn` / `ulimit -Hn` of this process; children get the hard one. */
  openFilesSoft: number;
  openFilesHard: number;
  /** /proc/sys/fs/nr_open (ceiling of any ulimit -n) and /proc/sys/fs/file-max (whole system). */
  nrOpen: number;
  fileMax: number;
  /** /proc/sys/net/core/somaxconn: caps every listen() backlog. */
  somaxconn: number;
  /** /proc/sys/net/ipv4/tcp_max_syn_backlog: half-open connections per listener. */
  tcpMaxSynBacklog: number;
  /** /proc/sys/net/ipv4/ip_local_port_range: ports for outgoing connections, per source address. */
  localPortRange: [number, number];
  /** /proc/sys/net/ipv4/tcp_tw_reuse (2: loopback only). */
  tcpTwReuse: number;
  /** /proc/sys/net/ipv4/tcp_mem in pages: low, pressure, high. */
  tcpMemPages: [number, number, number];
  pageSize: number;
}

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return 'NaN';
  }
};
const numbers = (path: string): number[] => read(path).split(/\s+/).map(Number);
const shell = (command: string): number => {
  const out = spawnSync('sh', ['-c', command], { encoding: 'utf8' }).stdout.trim();
  return out === 'unlimited' ? Infinity : Number(out);
};

export function readLimits(): Limits {
  const [low, high] = numbers('/proc/sys/net/ipv4/ip_local_port_range');
  const [a, b, c] = numbers('/proc/sys/net/ipv4/tcp_mem');
  return {
    openFilesSoft: shell('ulimit -Sn'),
    openFilesHard: shell('ulimit -Hn'),
    nrOpen: numbers('/proc/sys/fs/nr_open')[0],
    fileMax: numbers('/proc/sys/fs/file-max')[0],
    somaxconn: numbers('/proc/sys/net/core/somaxconn')[0],
    tcpMaxSynBacklog: numbers('/proc/sys/net/ipv4/tcp_max_syn_backlog')[0],
    localPortRange: [low, high],
    tcpTwReuse: numbers('/proc/sys/net/ipv4/tcp_tw_reuse')[0],
    tcpMemPages: [a, b, c],
    pageSize: shell('getconf PAGESIZE') || 4096,
  };
}

/** Descriptors a process keeps for itself (node, stdio, IPC, the listener, Redis). */
export const FD_MARGIN = 200;

/** Connections one process may hold under the hard limit its children get. */
export function perProcessCeiling(limits: Limits): number {
  return Math.max(0, Math.min(limits.openFilesHard, limits.nrOpen) - FD_MARGIN);
}

/** Ephemeral ports per source address toward one listener. */
export function portsPerAddress(limits: Limits): number {
  return limits.localPortRange[1] - limits.localPortRange[0] + 1;
}

export function printLimits(limits: Limits): void {
  const mib = (pages: number): string => `${Math.round((pages * limits.pageSize) / 1048576)} MiB`;
  console.log('Limits (checked before any connection is opened):');
  console.log(`  ulimit -n          soft ${limits.openFilesSoft}, hard ${limits.openFilesHard} (children are raised to the hard limit); fs.nr_open ${limits.nrOpen}, fs.file-max ${limits.fileMax}`);
  console.log(`  somaxconn          ${limits.somaxconn} (listen backlog ceiling); tcp_max_syn_backlog ${limits.tcpMaxSynBacklog}`);
  console.log(`  ip_local_port_range ${limits.localPortRange.join('–')} (${portsPerAddress(limits)} ports per source address); tcp_tw_reuse ${limits.tcpTwReuse}`);
  console.log(`  tcp_mem            ${limits.tcpMemPages.map(mib).join(' / ')} (low / pressure / high)`);
  console.log(`  → at most ${perProcessCeiling(limits)} connections per process`);
}

/** The kernel's listen-queue counters for the whole machine (`nstat TcpExtListenDrops`). */
export function listenCounters(): { drops: number; overflows: number } {
  const lines = read('/proc/net/netstat').split('\n').filter((line) => line.startsWith('TcpExt:'));
  if (lines.length < 2) return { drops: NaN, overflows: NaN };
  const names = lines[0].split(/\s+/);
  const values = lines[1].split(/\s+/);
  const get = (name: string): number => Number(values[names.indexOf(name)]);
  return { drops: get('ListenDrops'), overflows: get('ListenOverflows') };
}

/** Kernel socket memory now (/proc/net/sockstat: TCP `mem`, in pages) and TCP sockets in use. */
export function socketStats(): { tcpInUse: number; tcpMemPages: number; timeWait: number } {
  const line = read('/proc/net/sockstat').split('\n').find((l) => l.startsWith('TCP:')) ?? '';
  const field = (name: string): number => Number(new RegExp(`${name} (\\d+)`).exec(line)?.[1] ?? NaN);
  return { tcpInUse: field('inuse'), tcpMemPages: field('mem'), timeWait: field('tw') };
}
