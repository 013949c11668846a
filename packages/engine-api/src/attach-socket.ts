import { closeSync, constants, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { basename, dirname } from 'node:path';

/** Connects through /proc/self/fd/N/NAME: a container directory under a long root would not fit in sun_path. */
export function connectAttachSocket(path: string): Promise<Socket> {
  const dirFd = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY);
  return new Promise<Socket>((resolve, reject) => {
    const socket = connect(`/proc/self/fd/${dirFd}/${basename(path)}`);
    // Once: an error may follow the connect (a reset), and the fd number may be someone else's by then.
    let open = true;
    const done = () => {
      if (open) closeSync(dirFd);
      open = false;
    };
    socket.once('connect', () => {
      done();
      resolve(socket);
    });
    socket.once('error', (err) => {
      done();
      reject(err);
    });
  });
}
