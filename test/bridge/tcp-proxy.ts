/** A TCP proxy a test can take down and bring back on the same port: Temporal "becomes unreachable". */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: string) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Accepts connections (on the same port as before, after a `down()`). */
  async up(): Promise<void> {
    const at = this.target.lastIndexOf(':');
    const host = this.target.slice(0, at);
    const port = Number(this.target.slice(at + 1));
    const server = createServer((client) => {
      const upstream = createConnection({ host, port });
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Refuses new connections and cuts the open ones. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
