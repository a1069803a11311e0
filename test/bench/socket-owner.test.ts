import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { ownerOfClientSocket } from '../../bench/socket-owner';

/** The bench's receiver puts each POST down to the process that sent it, from the connection's client end. */
let server: Server;
let serverPort: number;
const accepted: Socket[] = [];

beforeAll(async () => {
  server = createServer((socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverPort = (server.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of accepted) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

function connectFromHere(): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(serverPort, '127.0.0.1', () => resolve(socket));
  });
}

test('finds the process that holds the client end of a loopback connection, among the candidates', async () => {
  const client = await connectFromHere();
  try {
    const clientPort = client.localPort!;
    expect(ownerOfClientSocket(clientPort, serverPort, [1, process.pid])).toBe(process.pid);
    // Not among the candidates, or not this connection: no owner.
    expect(ownerOfClientSocket(clientPort, serverPort, [1])).toBeUndefined();
    expect(ownerOfClientSocket(clientPort, serverPort + 1, [process.pid])).toBeUndefined();
  } finally {
    client.destroy();
  }
});

test('tells a child process that connects apart from this one', async () => {
  const script = `require('node:net').connect(${serverPort}, '127.0.0.1', function () {
    process.stdout.write(String(this.localPort));
  }); setTimeout(() => {}, 30000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const clientPort = await new Promise<number>((resolve) =>
      child.stdout.once('data', (data) => resolve(Number(data))),
    );
    expect(ownerOfClientSocket(clientPort, serverPort, [process.pid, child.pid!])).toBe(child.pid);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
});
