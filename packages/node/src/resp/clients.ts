import type { ByteString } from '@meridian/engine';

/** What CLIENT LIST / INFO / KILL need of a connection. */
export interface ClientView {
  readonly id: number;
  readonly addr: string;
  readonly laddr: string;
  describe(nowMs: number): string;
  kill(): void;
}

/** This node's RESP connections, by id (CLIENT LIST, CLIENT KILL, maxclients). */
export class ClientRegistry {
  private nextId = 1;
  private readonly clients = new Map<number, ClientView>();

  allocateId(): number {
    return this.nextId++;
  }

  get size(): number {
    return this.clients.size;
  }

  add(client: ClientView): void {
    this.clients.set(client.id, client);
  }

  remove(client: ClientView): void {
    this.clients.delete(client.id);
  }

  list(nowMs: number, ids?: ReadonlySet<number>): string {
    let out = '';
    for (const client of this.clients.values()) {
      if (ids === undefined || ids.has(client.id)) out += `${client.describe(nowMs)}\n`;
    }
    return out;
  }

  /** CLIENT KILL filters ID, ADDR, LADDR; returns how many were killed. */
  kill(filters: readonly (readonly [string, ByteString])[], self: ClientView): number {
    let killed = 0;
    for (const client of [...this.clients.values()]) {
      const matches = filters.every(([name, value]) => {
        if (name === 'id') return String(client.id) === value;
        if (name === 'addr') return client.addr === value;
        if (name === 'laddr') return client.laddr === value;
        if (name === 'skipme') return value.toLowerCase() === 'no' || client !== self;
        return false;
      });
      if (!matches) continue;
      if (!filters.some(([name]) => name === 'skipme') && client === self && filters.length > 0) {
        // Redis skips the caller by default (SKIPME yes).
        continue;
      }
      client.kill();
      killed++;
    }
    return killed;
  }
}
