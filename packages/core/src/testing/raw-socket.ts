import { connect } from 'node:net';

/**
 * Test helper: writes raw bytes to a unix socket, the way a hostile sandbox process would, and
 * resolves with everything the server answered before the connection closed (latin1). `half`
 * half-closes after writing, `reset` destroys at once; `wait` (the default) keeps the socket
 * open, since a half-closed client may be dropped before its answer.
 */
export function sendRaw(path: string, bytes: string | Buffer, mode: 'wait' | 'half' | 'reset' = 'wait', timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined); // a reset is one of the outcomes under test
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.write(bytes);
    if (mode === 'half') socket.end();
    if (mode === 'reset') socket.destroy();
  });
}
