// TLS for tests: self-signed certificates made with the openssl command, and
// HTTPS / TLS clients that trust exactly the certificate a test gave its server.

import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { connect } from 'node:tls';

/** A certificate for 127.0.0.1 and localhost, and its key, as files. */
export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** The PEM certificate (a client's only trusted CA). */
  cert: Buffer;
  /** Its SHA-256 fingerprint, as `X509Certificate.fingerprint256` writes it. */
  fingerprint256: string;
}

/** Makes a one-day self-signed P-256 certificate in `dir` (files `<name>.cert.pem`, `<name>.key.pem`). */
export function makeCertificate(dir: string, name: string): TestCertificate {
  const certFile = path.join(dir, `${name}.cert.pem`);
  const keyFile = path.join(dir, `${name}.key.pem`);
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=cwmn test ${name}`, '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', keyFile, '-out', certFile,
    ], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  } catch (err) {
    throw new Error(`the TLS tests make certificates with the openssl command (scripts/ensure-system-deps.sh installs it): ${(err as Error).message}`);
  }
  const cert = fs.readFileSync(certFile);
  return { certFile, keyFile, cert, fingerprint256: new X509Certificate(cert).fingerprint256 };
}

/** The fingerprint of the certificate a new TLS connection to `port` is given (trusting any). */
export function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256;
      socket.end();
      if (fingerprint) resolve(fingerprint);
      else reject(new Error('no peer certificate'));
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('TLS connect timed out')));
    socket.once('error', reject);
  });
}

/** An HTTPS request trusting only `ca`; the JSON body parsed when it is JSON. */
export function httpsJson(
  url: string, ca: Buffer, init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method ?? 'GET', headers: init.headers, ca, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON: the text as is.
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('timeout', () => req.destroy(new Error('HTTPS request timed out')));
    req.on('error', reject);
    req.end(init.body);
  });
}
