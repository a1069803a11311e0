import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface TestPki {
  /** The CA that signed every certificate below. */
  ca: CertificateFiles;
  /** Serves `serverName` (the only name in its subjectAltName). */
  server: CertificateFiles;
  serverName: string;
  /** A client certificate per requested common name. */
  clients: Record<string, CertificateFiles>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A throw-away CA with one server and some client certificates, made with `openssl` in `dir`, valid for a day. */
export async function createTestPki(dir: string, serverName: string, clientNames: string[]): Promise<TestPki> {
  const file = (name: string) => path.join(dir, name);
  const ca = { cert: file('ca.pem'), key: file('ca.key') };
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    ...EC_KEY,
    '-keyout',
    ca.key,
    '-out',
    ca.cert,
    '-days',
    '1',
    '-subj',
    '/CN=yearly-greetings test CA',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  let serial = 1;
  /** A leaf certificate signed by the CA, with exactly the extensions a TLS peer checks (no CA:TRUE from defaults). */
  const leaf = async (name: string, extensions: string[]): Promise<CertificateFiles> => {
    const files = { cert: file(`${name}.pem`), key: file(`${name}.key`) };
    const csr = file(`${name}.csr`);
    const extFile = file(`${name}.ext`);
    await writeFile(
      extFile,
      ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', ...extensions].join('\n'),
    );
    await run('openssl', ['req', '-new', ...EC_KEY, '-keyout', files.key, '-out', csr, '-subj', `/CN=${name}`]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      String(serial++),
      '-days',
      '1',
      '-out',
      files.cert,
      '-extfile',
      extFile,
    ]);
    return files;
  };

  const server = await leaf(serverName, [`subjectAltName=DNS:${serverName}`, 'extendedKeyUsage=serverAuth']);
  const clients: Record<string, CertificateFiles> = {};
  for (const name of clientNames) clients[name] = await leaf(name, ['extendedKeyUsage=clientAuth']);
  return { ca, server, serverName, clients };
}
