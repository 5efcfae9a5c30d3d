import net from 'node:net';

const END_MARKER = '*2\r\n$4\r\nECHO\r\n$7\r\n__end__\r\n';
const END_REPLY = '$7\r\n__end__\r\n';

/**
 * Sends raw bytes on a fresh connection and resolves with every byte answered: up to the reply
 * of an ECHO appended after them, or until the server closes the connection (a protocol error).
 */
export function exchange(port: number, bytes: string, options: { expectClose?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ port, host: '127.0.0.1' });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer; got ${JSON.stringify(answer)}`));
    }, 5000);
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(options.expectClose === true ? answer : answer.slice(0, -END_REPLY.length));
    };
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (options.expectClose !== true && answer.endsWith(END_REPLY)) finish();
    });
    socket.on('close', () => {
      if (options.expectClose === true) finish();
    });
    socket.on('error', () => undefined);
    socket.write(Buffer.from(options.expectClose === true ? bytes : bytes + END_MARKER, 'latin1'));
  });
}

export function command(...argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((arg) => `$${Buffer.byteLength(arg, 'latin1')}\r\n${arg}\r\n`).join('')}`;
}
