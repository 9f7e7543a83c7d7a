// Types of the part of `@msimerson/stun` the server and its tests use (the package ships none).

declare module '@msimerson/stun' {
  import type { RemoteInfo, Socket } from 'node:dgram';
  import type { EventEmitter } from 'node:events';

  /** One attribute of a message. */
  export interface StunAttribute {
    readonly type: number;
    readonly value: unknown;
  }

  /** A decoded message. */
  export interface StunMessage {
    readonly type: number;
    readonly transactionId: Buffer;
    readonly count: number;
    /** True for an RFC 3489 message (no magic cookie). */
    isLegacy(): boolean;
    getAttribute(type: number): StunAttribute | undefined;
    hasAttribute(type: number): boolean;
  }

  /** A message being built. */
  export interface StunRequest extends StunMessage {
    addXorAddress(address: string, port: number): unknown;
    addFingerprint(): unknown;
    toBuffer(): Buffer;
  }

  /** A message decoded from the wire. */
  export interface StunResponse extends StunMessage {
    getXorAddress(): { address: string; port: number; family: string } | undefined;
  }

  /** Decodes datagrams of a socket and emits them by class (`bindingRequest`, …); `error` for undecodable ones. */
  export interface StunServer extends EventEmitter {
    on(event: 'bindingRequest', listener: (message: StunResponse, from: RemoteInfo) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    send(message: StunRequest, port: number, address: string, callback?: (err: Error | null) => void): boolean;
    /** Stops reading the socket (an external socket stays open). */
    close(): void;
  }

  const stun: {
    createMessage(type: number, transactionId?: Buffer): StunRequest;
    createServer(options: { type: 'udp4' | 'udp6'; socket?: Socket }): StunServer;
    decode(message: Buffer): StunResponse;
    encode(message: StunMessage): Buffer;
    validateFingerprint(message: StunMessage): boolean;
    constants: {
      STUN_BINDING_REQUEST: number;
      STUN_BINDING_RESPONSE: number;
      STUN_ATTR_FINGERPRINT: number;
      STUN_ATTR_XOR_MAPPED_ADDRESS: number;
      STUN_EVENT_BINDING_REQUEST: 'bindingRequest';
    };
  };
  export default stun;
}
