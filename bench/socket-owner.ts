import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Which of `candidates` holds the client end of a loopback TCP connection from `clientPort` to `serverPort`: the
 * connection's socket inode from /proc/net/tcp, then the process with that inode among its open files. Linux only;
 * undefined when the connection or its owner is not found (it closed, or another process opened it).
 */
export function ownerOfClientSocket(clientPort: number, serverPort: number, candidates: number[]): number | undefined {
  const inode = clientSocketInode(clientPort, serverPort);
  if (inode === undefined) return undefined;
  const link = `socket:[${inode}]`;
  return candidates.find((pid) => holds(pid, link));
}

function clientSocketInode(clientPort: number, serverPort: number): string | undefined {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...", ports in hex.
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, remote, inode] = [fields[1], fields[2], fields[9]];
      if (!local || !remote || !inode) continue;
      if (portOf(local) === clientPort && portOf(remote) === serverPort) return inode;
    }
  }
  return undefined;
}

function portOf(address: string): number {
  return parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}

function holds(pid: number, link: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === link;
    } catch {
      return false; // closed between the listing and the read
    }
  });
}
