import { lookupMessage, type RecordOps, recordMailSteps, runAsync } from './record.js';
import {
  type IndexedMessage,
  type MessageIndex,
  mergeMessage,
  normaliseAddress,
  type ProcessedMail,
  parseThreadKey,
  type ThreadKey,
  type TicketInfo,
  threadKeyString,
} from './store.js';

/**
 * A dry run's index: reads fall through to the real (read-only) index, writes stay in memory.
 *
 * A dry run must thread a replayed mailbox exactly as a live run would (a reply needs its parent
 * recorded a moment earlier), yet must never change the state: running the same dry run twice
 * gives the same answer, and a dry run beside the daemon cannot corrupt it. Recording goes
 * through the same `recordMailSteps` logic as the SQLite store.
 */
export class OverlayIndex implements MessageIndex {
  readonly readOnly = false;
  private readonly messages = new Map<string, IndexedMessage>();
  private readonly aliases = new Map<string, string>();
  private readonly tickets = new Map<number, TicketInfo>();
  private readonly participants = new Map<string, Set<string>>();
  private readonly processed = new Set<string>();

  constructor(private readonly base: MessageIndex) {}

  private ops(): RecordOps {
    return {
      rawMessage: async (id) => this.messages.get(id) ?? (await this.base.getMessage(id)),
      // Base aliases are already applied by base.getMessage; only the overlay's own are left.
      alias: async (root) => this.aliases.get(root),
      upsertMessage: async (m) => {
        this.messages.set(m.messageId, mergeMessage(await this.ops().rawMessage(m.messageId), m));
      },
      insertMessageIfAbsent: async (m) => {
        if (!(await this.ops().rawMessage(m.messageId))) this.messages.set(m.messageId, m);
      },
      setAlias: async (alias, root) => {
        this.aliases.set(alias, root);
      },
      copyParticipants: async (from, to) => {
        for (const a of await this.getParticipants(parseThreadKey(from)))
          await this.ops().addParticipant(to, a);
      },
      addParticipant: async (key, address) => {
        let set = this.participants.get(key);
        if (!set) {
          set = new Set();
          this.participants.set(key, set);
        }
        set.add(address);
      },
      insertTicketIfAbsent: async (ticketId) => {
        if (!(await this.getTicket(ticketId))) this.tickets.set(ticketId, { ticketId });
      },
      markProcessed: async (id) => {
        this.processed.add(id);
      },
    };
  }

  getMessage(messageId: string): Promise<IndexedMessage | undefined> {
    return runAsync(lookupMessage(messageId), this.ops());
  }

  async putMessage(msg: IndexedMessage): Promise<void> {
    await this.ops().upsertMessage(msg, '');
  }

  recordMail(mail: ProcessedMail): Promise<void> {
    return runAsync(recordMailSteps(mail), this.ops());
  }

  async isProcessed(messageId: string): Promise<boolean> {
    return this.processed.has(messageId) || (await this.base.isProcessed(messageId));
  }

  async markProcessed(messageId: string): Promise<void> {
    this.processed.add(messageId);
  }

  async getTicket(ticketId: number): Promise<TicketInfo | undefined> {
    return this.tickets.get(ticketId) ?? (await this.base.getTicket(ticketId));
  }

  async putTicket(info: TicketInfo): Promise<void> {
    const existing = await this.getTicket(info.ticketId);
    const survivingId = info.survivingId ?? existing?.survivingId;
    this.tickets.set(info.ticketId, {
      ticketId: info.ticketId,
      ...(survivingId === undefined ? {} : { survivingId }),
    });
  }

  async getParticipants(key: ThreadKey): Promise<string[]> {
    const all = new Set(await this.base.getParticipants(key));
    for (const a of this.participants.get(threadKeyString(key)) ?? []) all.add(a);
    return [...all].sort();
  }

  async addParticipant(key: ThreadKey, address: string): Promise<void> {
    await this.ops().addParticipant(threadKeyString(key), normaliseAddress(address));
  }

  /** Closes only the overlay; the base belongs to whoever opened it. */
  async close(): Promise<void> {
    this.messages.clear();
  }
}
