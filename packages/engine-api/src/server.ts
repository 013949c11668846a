import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsOptions } from 'node:tls';
import type { Duplex } from 'node:stream';
import { messageOf, notImplemented } from './api-error';
import { JSON_BODY_LIMIT } from './body';
import { ApiCall } from './call';
import type { ApiContext } from './context';
import { match, type Route } from './router';
import { splitVersion, API_VERSION } from './versions';
import { containerRoutes } from './routes/containers';
import { containerIoRoutes } from './routes/container-io';
import { execRoutes } from './routes/exec';
import { imageRoutes } from './routes/images';
import { systemRoutes } from './routes/system';
import { networkRoutes } from './routes/networks';
import { archiveRoutes } from './routes/archive';
import { containerAdminRoutes } from './routes/container-admin';
import { statsRoutes } from './routes/stats';
import { pruneRoutes } from './routes/prune';
import { imageArchiveRoutes } from './routes/image-archive';

export const ROUTES: Route[] = [
  ...systemRoutes,
  ...pruneRoutes,
  ...containerRoutes,
  ...containerAdminRoutes,
  ...statsRoutes,
  ...imageArchiveRoutes,
  ...containerIoRoutes,
  ...execRoutes,
  ...imageRoutes,
  ...networkRoutes,
  ...archiveRoutes,
];

/**
 * One request: the version prefix is split off, the route found, and every failure answered with
 * Docker's `{"message": …}` (an unknown endpoint: 501 — "not implemented by this engine" — never a
 * crash, never a hang).
 */
export async function dispatch(api: ApiContext, routes: Route[], req: IncomingMessage, res?: ServerResponse, socket?: Duplex, head?: Buffer): Promise<void> {
  let call: ApiCall | undefined;
  try {
    const rawPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    let version = API_VERSION;
    let path = rawPath;
    try {
      ({ version, path } = splitVersion(rawPath));
    } catch (err) {
      call = new ApiCall(req, rawPath, API_VERSION, res, socket, head);
      throw err;
    }
    call = new ApiCall(req, path, version, res, socket, head);
    const found = match(routes, call.method, path);
    if (found === undefined || found === 'method') {
      if (process.env.MYDOCKER_API_LOG === '1') process.stderr.write(`${call.method} ${req.url} (501)\n`);
      req.resume();
      throw notImplemented(`${call.method} ${path} is not implemented by this engine (mydocker): see the endpoint table in @mydocker/engine-api's README.`);
    }
    call.params = found.params;
    // MYDOCKER_API_LOG=1: one line per request on stderr (what a client asked, for debugging a client).
    if (process.env.MYDOCKER_API_LOG === '1') process.stderr.write(`${call.method} ${req.url}\n`);
    await found.route.handler(call, api);
  } catch (err) {
    if (call) call.fail(err);
    else if (res && !res.headersSent) {
      res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ message: messageOf(err) }));
    } else socket?.destroy();
  }
}

export interface ServiceServer {
  server: Server;
  /** Open connections (hijacked ones included): the idle timer runs only while there are none. */
  active(): number;
  onIdle(fn: () => void): void;
}

export function createApiServer(api: ApiContext, tls?: TlsOptions, routes: Route[] = ROUTES): ServiceServer {
  const sockets = new Set<Duplex>();
  const idleListeners: Array<() => void> = [];
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    void dispatch(api, routes, req, res);
  };
  // No idle timeout on kept-alive connections, as Docker's daemon (Go's net/http without IdleTimeout): Node's
  // clients (dockerode, Testcontainers) keep sockets alive and reuse them, and a server that closes an idle
  // socket just as the client writes its next request on it makes that request fail with EPIPE/ECONNRESET.
  // A client that goes away closes its end; the service's shutdown closes every connection.
  const options = { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 0 };
  const server: Server = tls ? createHttpsServer({ ...tls, ...options }, handler) : createServer(options, handler);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    // Node hands over the socket after the headers: the request's body (exec start's JSON) is read here
    // by its Content-Length, and only what follows it is the client's stream.
    void upgradeBody(req, socket, head).then(
      ({ body, rest }) => {
        (req as IncomingMessage & { upgradeBody?: Buffer }).upgradeBody = body;
        return dispatch(api, routes, req, undefined, socket, rest);
      },
      (err) => {
        socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ message: messageOf(err) })}\n`);
      },
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) for (const fn of idleListeners) fn();
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable)
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"message":"The request is not valid HTTP."}\n');
    else socket.destroy();
  });
  return { server, active: () => sockets.size, onIdle: (fn) => idleListeners.push(fn) };
}

/** The body of an upgrade request, by its Content-Length (capped as any JSON body), and the bytes after it. */
function upgradeBody(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<{ body: Buffer; rest: Buffer }> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!Number.isInteger(length) || length < 0) return Promise.reject(new Error('The Content-Length header is not a whole number.'));
  if (length > JSON_BODY_LIMIT) return Promise.reject(new Error(`The request body is ${length} bytes: the limit is ${JSON_BODY_LIMIT} bytes.`));
  if (head.length >= length) return Promise.resolve({ body: head.subarray(0, length), rest: head.subarray(length) });
  return new Promise((resolve, reject) => {
    let buf = head;
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.pause();
      resolve({ body: buf.subarray(0, length), rest: buf.subarray(length) });
    };
    const onClose = () => reject(new Error('The client closed the connection before sending its request body.'));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}
