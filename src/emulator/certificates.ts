import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A key and self-signed certificate for 127.0.0.1/localhost; the certificate doubles as the CA to trust. */
export interface Certificate {
  key: string;
  cert: string;
  /** Where the certificate was written for clients (X_API_CA_FILE). */
  caFile: string;
}

/** The default CA path of `npm run emulator`, shared by the CLI and clients on this machine. */
export function defaultCaFile(): string {
  return join(tmpdir(), 'retweet-tracker-x-emulator', 'ca.pem');
}

/** A CA path of its own for an emulator started in-process: two emulators never overwrite each other's CA. */
export function uniqueCaFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'retweet-tracker-x-emulator-')), 'ca.pem');
}

/**
 * Creates a fresh self-signed certificate with the `openssl` CLI (present wherever Node is built, so no npm
 * dependency is needed) and writes it to `caFile`. The private key never touches a lasting file.
 */
export async function createCertificate(caFile: string = defaultCaFile()): Promise<Certificate> {
  const work = mkdtempSync(join(tmpdir(), 'x-emulator-cert-'));
  try {
    const keyFile = join(work, 'key.pem');
    const certFile = join(work, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '7',
      '-subj',
      '/CN=X API emulator',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ]);
    const key = readFileSync(keyFile, 'utf8');
    const cert = readFileSync(certFile, 'utf8');
    mkdirSync(dirname(caFile), { recursive: true });
    writeFileSync(caFile, cert);
    return { key, cert, caFile };
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'the openssl command is not installed'
        : (error as Error).message;
    throw new Error(`Cannot create the emulator's TLS certificate: ${reason}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
