// Serving HTTPS and WSS without a proxy: the certificate and key come from
// PEM files (`CWMN_TLS_CERT`, `CWMN_TLS_KEY`), are checked before the server
// listens, and can be read again while it runs (on SIGHUP) without dropping a
// connection. A bad new pair keeps the one in use.

import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { createHash, X509Certificate } from 'node:crypto';
import { CwmnError, ErrorCode } from '../../src/protocol/index.js';

/** Where the certificate and its key are (absolute paths). */
export interface TlsFiles {
  /** PEM certificate chain, leaf first (`CWMN_TLS_CERT`). */
  certFile: string;
  /** PEM private key of the leaf certificate (`CWMN_TLS_KEY`). */
  keyFile: string;
}

/** A certificate chain and its key as read, checked to belong together. */
export interface TlsPair {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the leaf certificate (`AA:BB:…`), for logs. */
  fingerprint256: string;
  /** When the leaf certificate stops being valid (its `notAfter`). */
  validTo: string;
  /** Base64 SHA-256 of the leaf's public key (its DER SubjectPublicKeyInfo): how Chromium names a key to trust. */
  spkiSha256: string;
}

function invalid(message: string): CwmnError {
  return new CwmnError(ErrorCode.INVALID_PARAMS, message);
}

function readPem(name: string, file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw invalid(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (!bytes.includes('-----BEGIN ')) throw invalid(`${name}: ${file} is not a PEM file`);
  return bytes;
}

/** Reads and checks the pair; throws `ERR_INVALID_PARAMS` naming the variable at fault. */
export function readTlsPair(files: TlsFiles): TlsPair {
  const cert = readPem('CWMN_TLS_CERT', files.certFile);
  const key = readPem('CWMN_TLS_KEY', files.keyFile);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (err) {
    throw invalid(`CWMN_TLS_CERT: ${files.certFile} holds no valid certificate (${(err as Error).message})`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    const reason = (err as Error).message;
    // OpenSSL says "key values mismatch" when both parse but do not belong together.
    if (/mismatch/i.test(reason)) throw invalid(`CWMN_TLS_KEY: ${files.keyFile} is not the key of the certificate in CWMN_TLS_CERT`);
    throw invalid(`CWMN_TLS_KEY: ${files.keyFile} holds no usable private key (${reason})`);
  }
  const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
  return { cert, key, fingerprint256: leaf.fingerprint256, validTo: leaf.validTo, spkiSha256: createHash('sha256').update(spki).digest('base64') };
}

/** The server's listener: HTTPS with `pair`, plain HTTP without. */
export function createWebServer(pair: TlsPair | null): HttpServer | HttpsServer {
  return pair ? createHttpsServer(secureOptions(pair)) : createHttpServer();
}

/** The pair a running HTTPS server gives new connections; `reload` reads the files again. */
export class ServedCertificate {
  constructor(
    private readonly server: HttpServer | HttpsServer,
    private readonly files: TlsFiles,
    private served: TlsPair,
    private readonly log: (line: string) => void,
  ) {}

  /** The pair in use for new connections. */
  get pair(): TlsPair {
    return this.served;
  }

  /**
   * Reads the files again and, when the new pair is good, hands it to the server for every connection from now on
   * (open ones keep theirs). A bad pair changes nothing. Logs either way; false when it kept the pair in use.
   */
  reload(): boolean {
    let pair: TlsPair;
    try {
      pair = readTlsPair(this.files);
    } catch (err) {
      if (!(err instanceof CwmnError)) throw err;
      this.log(`tls: reload refused, keeping the certificate in use: ${err.message}`);
      return false;
    }
    if (!('setSecureContext' in this.server)) throw new Error('ServedCertificate: the server was made without TLS');
    this.server.setSecureContext(secureOptions(pair));
    this.served = pair;
    this.log(`tls: reloaded, ${describeTlsPair(pair)}`);
    return true;
  }
}

/** For logs: the certificate's fingerprint and end of validity. */
export function describeTlsPair(pair: TlsPair): string {
  return `certificate ${pair.fingerprint256} (valid to ${pair.validTo})`;
}

function secureOptions(pair: TlsPair): SecureContextOptions {
  return { cert: pair.cert, key: pair.key };
}
