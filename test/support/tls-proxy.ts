import { connect } from 'node:net';
import { readFile } from 'node:fs/promises';
import { createServer, type TLSSocket } from 'node:tls';
import type { TestPki } from './test-certificates';

export interface TlsProxy {
  /** `127.0.0.1:port`, to use as TEMPORAL_ADDRESS. */
  address: string;
  /** Common names of the client certificates of every connection let through. */
  acceptedClients: string[];
  /** Handshakes that failed (e.g. no client certificate), with the reason. */
  refusals: string[];
  close(): Promise<void>;
}

/**
 * A TLS front for a plain Temporal frontend, as a cluster's ingress would be: it asks for a client certificate
 * signed by the test CA (mTLS), speaks HTTP/2 (gRPC needs ALPN `h2`), and pipes the decrypted bytes to `upstream`.
 */
export async function startTlsProxy(pki: TestPki, upstream: { host: string; port: number }): Promise<TlsProxy> {
  const [key, cert, ca] = await Promise.all([
    readFile(pki.server.key),
    readFile(pki.server.cert),
    readFile(pki.ca.cert),
  ]);
  const acceptedClients: string[] = [];
  const refusals: string[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createServer(
    { key, cert, ca, requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (socket) => {
      sockets.add(socket);
      acceptedClients.push(String(socket.getPeerCertificate().subject.CN));
      const plain = connect(upstream.port, upstream.host);
      socket.pipe(plain).pipe(socket);
      const end = () => {
        socket.destroy();
        plain.destroy();
        sockets.delete(socket);
      };
      socket.on('error', end).on('close', end);
      plain.on('error', end).on('close', end);
    },
  );
  server.on('tlsClientError', (error) => refusals.push(error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    address: `127.0.0.1:${port}`,
    acceptedClients,
    refusals,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
