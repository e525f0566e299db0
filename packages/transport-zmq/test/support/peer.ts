import * as net from 'node:net';
import * as zeromq from 'zeromq';
import { deriveKeys, parseKey } from '../../src/index.js';

/**
 * A DEALER holding the client keys of `keyText`: an authenticated peer the controller will
 * accept, driven by hand (not yet connected).
 */
export function curvePeer(keyText: string): zeromq.Dealer {
  const keys = deriveKeys(parseKey(keyText, 'test'));
  return new zeromq.Dealer({
    linger: 0,
    curveServerKey: keys.server.publicKey,
    curvePublicKey: keys.client.publicKey,
    curveSecretKey: keys.client.secretKey,
  });
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
