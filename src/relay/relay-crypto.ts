// End-to-end sealing of relay traffic between a host and one guest. Each side
// sends a hello with a fresh ECDH (P-256) public key and a random nonce, MACed
// with the invite link's secret when there is one, so a server without the
// secret cannot put its own keys in. The shared secret goes through HKDF
// (salted with the link secret) into one AES-256-GCM key per direction. Every
// sealed body carries a counter that is its nonce: it never repeats under one
// key, and a receiver refuses any counter not above the last one it accepted
// (replays), as it refuses anything whose tag does not verify (tampering).
//
// Bodies, as the server relays them (opaque to it):
//   hello:  0x01, flags (bit 0: MAC present), public key (65), nonce (16), answered nonce (16:
//           the guest's nonce a host's hello answers, zeros from a guest), MAC (32, when flagged)
//   sealed: 0x02, lane, counter (8, big-endian), AES-GCM ciphertext and tag; header is the AAD
//   group:  0x03, epoch (4), counter (8), ciphertext and tag: sealed once by the host under
//           the session's group key, fanned out by the server to every relayed guest. Each
//           guest is handed the key of each epoch on its own sealed lane; a new epoch
//           begins whenever a guest leaves, so a guest that was removed reads nothing after.

const HELLO = 0x01;
const SEALED = 0x02;
const GROUP = 0x03;
const GROUP_HEADER_BYTES = 13;
const GROUP_KEY_BYTES = 32;
const PUBLIC_KEY_BYTES = 65;
const NONCE_BYTES = 16;
const MAC_BYTES = 32;
const SEALED_HEADER_BYTES = 10;
const TAG_BYTES = 16;
const LABEL = 'cwmn-relay-v1';
const encoder = new TextEncoder();

/** What a sealed body carries. */
export const Lane = { DOM: 0, POINTER: 1, GROUP_KEY: 2 } as const;
export type Lane = (typeof Lane)[keyof typeof Lane];

/** Which end of the relay: decides the direction of each key. */
export type RelayRole = 'host' | 'guest';

/** One side's half of a handshake. */
export interface Handshake {
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly nonce: Uint8Array<ArrayBuffer>;
  readonly privateKey: CryptoKey;
}

export interface Hello {
  publicKey: Uint8Array<ArrayBuffer>;
  nonce: Uint8Array<ArrayBuffer>;
  /** The guest's nonce a host's hello answers (zeros in a guest's hello). */
  answers: Uint8Array<ArrayBuffer>;
  mac: Uint8Array<ArrayBuffer> | null;
}

const HELLO_BYTES = 2 + PUBLIC_KEY_BYTES + 2 * NONCE_BYTES;

/** A fresh key pair and nonce. */
export async function newHandshake(): Promise<Handshake> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { publicKey, nonce: crypto.getRandomValues(new Uint8Array(NONCE_BYTES)), privateKey: pair.privateKey };
}

/**
 * The hello body of `role`. With a link secret it carries a MAC over the role,
 * the guest's id, the key and nonce, and (from the host) the guest's nonce it answers.
 */
export async function helloBody(role: RelayRole, guestId: string, own: Handshake, secret?: string, answering?: Hello): Promise<Uint8Array> {
  const mac = secret ? await helloMac(secret, role, guestId, own.publicKey, own.nonce, answering?.nonce) : null;
  const body = new Uint8Array(HELLO_BYTES + (mac ? MAC_BYTES : 0));
  body[0] = HELLO;
  body[1] = mac ? 1 : 0;
  body.set(own.publicKey, 2);
  body.set(own.nonce, 2 + PUBLIC_KEY_BYTES);
  if (answering) body.set(answering.nonce, 2 + PUBLIC_KEY_BYTES + NONCE_BYTES);
  if (mac) body.set(mac, HELLO_BYTES);
  return body;
}

/** True when `body` is a hello (which need not be well formed). */
export function isHello(body: Uint8Array): boolean {
  return body[0] === HELLO;
}

/** Parses a hello body; null when malformed. */
export function readHello(body: Uint8Array): Hello | null {
  if (body[0] !== HELLO) return null;
  const flagged = body[1] === 1;
  if ((body[1] !== 0 && !flagged) || body.length !== HELLO_BYTES + (flagged ? MAC_BYTES : 0)) return null;
  const at = (start: number, length: number) => body.slice(start, start + length);
  return {
    publicKey: at(2, PUBLIC_KEY_BYTES),
    nonce: at(2 + PUBLIC_KEY_BYTES, NONCE_BYTES),
    answers: at(2 + PUBLIC_KEY_BYTES + NONCE_BYTES, NONCE_BYTES),
    mac: flagged ? at(HELLO_BYTES, MAC_BYTES) : null,
  };
}

/** True when the hello of `role` carries a valid MAC under `secret`. */
export async function verifyHello(secret: string, role: RelayRole, guestId: string, hello: Hello, answering?: Handshake): Promise<boolean> {
  if (!hello.mac) return false;
  const key = await macKey(secret, ['verify']);
  return crypto.subtle.verify('HMAC', key, hello.mac, helloMessage(role, guestId, hello.publicKey, hello.nonce, answering?.nonce));
}

/** True when a host's hello answers the guest's handshake `own` (not an earlier one). */
export function answersHandshake(hello: Hello, own: Handshake): boolean {
  return hello.answers.every((b, i) => b === own.nonce[i]);
}

/** The two keys of one host–guest pair, from our handshake and the other side's hello. */
export async function deriveKeys(
  role: RelayRole, guestId: string, own: Handshake, other: Hello, secret?: string,
): Promise<{ sealer: Sealer; opener: Opener }> {
  const publicKey = await crypto.subtle.importKey('raw', other.publicKey, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: publicKey }, own.privateKey, 256);
  const ikm = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveBits']);
  const salt = await crypto.subtle.digest('SHA-256', encoder.encode(`${LABEL}\n${secret ?? ''}`));
  const [guestNonce, hostNonce] = role === 'guest' ? [own.nonce, other.nonce] : [other.nonce, own.nonce];
  const info = concat(encoder.encode(`${LABEL}\n${guestId}\n`), guestNonce, hostNonce);
  const bits = new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, ikm, 512));
  const aes = (raw: Uint8Array<ArrayBuffer>, usage: KeyUsage) => crypto.subtle.importKey('raw', raw, 'AES-GCM', false, [usage]);
  const toGuest = bits.slice(0, 32);
  const toHost = bits.slice(32, 64);
  return role === 'host'
    ? { sealer: new Sealer(await aes(toGuest, 'encrypt')), opener: new Opener(await aes(toHost, 'decrypt')) }
    : { sealer: new Sealer(await aes(toHost, 'encrypt')), opener: new Opener(await aes(toGuest, 'decrypt')) };
}

/** Seals bodies under one key; the counter is taken when `seal` is called, so call order is nonce order. */
export class Sealer {
  private counter = 0;

  constructor(private readonly key: CryptoKey) {}

  async seal(lane: Lane, plaintext: Uint8Array): Promise<Uint8Array> {
    const header = new Uint8Array(SEALED_HEADER_BYTES);
    header[0] = SEALED;
    header[1] = lane;
    writeCounter(header, 2, ++this.counter);
    const ciphertext = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: nonceOf(header), additionalData: header }, this.key, plaintext as Uint8Array<ArrayBuffer>,
    );
    return concat(header, new Uint8Array(ciphertext));
  }
}

/** Opens bodies under one key; call `open` for one body at a time, in arrival order (the replay check needs it). */
export class Opener {
  private last = 0;

  constructor(private readonly key: CryptoKey) {}

  /** Decrypts a sealed body; null when it is malformed or does not authenticate, `replayed` when its counter is not new. */
  async open(body: Uint8Array): Promise<{ lane: Lane; plaintext: Uint8Array } | 'replayed' | null> {
    if (body.length < SEALED_HEADER_BYTES + TAG_BYTES || body[0] !== SEALED || body[1]! > Lane.GROUP_KEY) return null;
    const header = body.slice(0, SEALED_HEADER_BYTES);
    let plaintext: ArrayBuffer;
    try {
      plaintext = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: nonceOf(header), additionalData: header }, this.key, body.subarray(SEALED_HEADER_BYTES) as Uint8Array<ArrayBuffer>,
      );
    } catch {
      return null;
    }
    const counter = readCounter(header, 2);
    if (counter <= this.last) return 'replayed';
    this.last = counter;
    return { lane: header[1] as Lane, plaintext: new Uint8Array(plaintext) };
  }
}

/** True when `body` is a group body. */
export function isGroupBody(body: Uint8Array): boolean {
  return body[0] === GROUP;
}

/** The epoch a group body was sealed in; null when too short to be one. */
export function groupEpochOf(body: Uint8Array): number | null {
  return body[0] === GROUP && body.length >= GROUP_HEADER_BYTES + TAG_BYTES ? readUint32(body, 1) : null;
}

/** One epoch of the session's group key, on the host: seals each frame once for every relayed guest. */
export class GroupSealer {
  /** The raw key, handed to each guest of this epoch on its own sealed lane. */
  readonly raw: Uint8Array<ArrayBuffer> = crypto.getRandomValues(new Uint8Array(GROUP_KEY_BYTES));
  private readonly key = crypto.subtle.importKey('raw', this.raw, 'AES-GCM', false, ['encrypt']);
  private counter = 0;

  constructor(readonly epoch: number) {}

  /** What a guest is handed: the epoch, then the key. */
  handover(): Uint8Array {
    return concat(uint32(this.epoch), this.raw);
  }

  async seal(plaintext: Uint8Array): Promise<Uint8Array> {
    const header = new Uint8Array(GROUP_HEADER_BYTES);
    header[0] = GROUP;
    header.set(uint32(this.epoch), 1);
    writeCounter(header, 5, ++this.counter);
    const iv = header.slice(1, GROUP_HEADER_BYTES);
    const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: header }, await this.key, plaintext as Uint8Array<ArrayBuffer>);
    return concat(header, new Uint8Array(ciphertext));
  }
}

/** One epoch of the group key, on a guest. */
export class GroupOpener {
  private last = 0;

  private constructor(readonly epoch: number, private readonly key: CryptoKey) {}

  /** From what the host handed over; null when malformed. */
  static async from(handover: Uint8Array): Promise<GroupOpener | null> {
    if (handover.length !== 4 + GROUP_KEY_BYTES) return null;
    const key = await crypto.subtle.importKey('raw', handover.slice(4), 'AES-GCM', false, ['decrypt']);
    return new GroupOpener(readUint32(handover, 0), key);
  }

  /** Decrypts a group body of this epoch; null when it does not authenticate, `replayed` when its counter is not new. */
  async open(body: Uint8Array): Promise<Uint8Array | 'replayed' | null> {
    if (groupEpochOf(body) !== this.epoch) return null;
    const header = body.slice(0, GROUP_HEADER_BYTES);
    try {
      const plaintext = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: header.slice(1, GROUP_HEADER_BYTES), additionalData: header },
        this.key, body.subarray(GROUP_HEADER_BYTES) as Uint8Array<ArrayBuffer>,
      );
      const counter = readCounter(header, 5);
      if (counter <= this.last) return 'replayed';
      this.last = counter;
      return new Uint8Array(plaintext);
    } catch {
      return null;
    }
  }
}

function uint32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at);
}

async function macKey(secret: string, usages: KeyUsage[]): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(`${LABEL}\n${secret}`), { name: 'HMAC', hash: 'SHA-256' }, false, usages);
}

async function helloMac(
  secret: string, role: RelayRole, guestId: string, publicKey: Uint8Array, nonce: Uint8Array, answering?: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await macKey(secret, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', key, helloMessage(role, guestId, publicKey, nonce, answering)));
}

function helloMessage(role: RelayRole, guestId: string, publicKey: Uint8Array, nonce: Uint8Array, answering?: Uint8Array): Uint8Array<ArrayBuffer> {
  return concat(encoder.encode(`${LABEL} hello\n${role}\n${guestId}\n`), publicKey, nonce, answering ?? new Uint8Array(0));
}

/** The 12-byte AES-GCM nonce of a sealed header: its counter, after four zero bytes. */
function nonceOf(header: Uint8Array): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12);
  iv.set(header.subarray(2, 10), 4);
  return iv;
}

function writeCounter(bytes: Uint8Array, at: number, n: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(at, Math.floor(n / 2 ** 32));
  view.setUint32(at + 4, n >>> 0);
}

function readCounter(bytes: Uint8Array, at: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
