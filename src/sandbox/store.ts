/**
 * The sandbox's in-memory SuperOffice: tickets and ticket messages, shaped like the WebAPI's
 * entities. A message is stored without its Ticket (only the id); responses embed the ticket, as the
 * real API does. PUT replaces the stored entity whole: a field the client leaves out is gone, which is
 * exactly what the live flow must not let happen to CreatedBy, TimeSpent or CustomFields.
 */

export type Json = Record<string, unknown>;

export interface StoredTicket {
  TicketId: number;
  Title: string;
  CreatedAt: string;
  BaseStatus: 'Active' | 'Merged' | 'Closed';
  Origin: 'Email' | 'API';
  /** Set when merged into another ticket. */
  ConnectId?: number;
}

export interface StoredMessage {
  ticketId: number;
  /** The entity as last saved, without Ticket and the response-only fields. */
  entity: Json & { EjMessageId: number };
}

/**
 * An `Attachment` row (superoffice-api.md, "Attachments"): created by POST /Attachment, filled by
 * POST /Attachment/{id}/Content, connected to messages by POST /TicketMessage/{id}/Attachment.
 * Content is never kept: only its size and sha256, computed while it streams in.
 */
export interface StoredAttachment {
  AttachmentId: number;
  Name: string;
  ContentType: string;
  /** The size the client declared on create. */
  DeclaredSize: number;
  InlineImage: boolean;
  ContentId: string;
  AuthKey: string;
  /** Bytes of the stored content (0 before any content arrived). */
  size: number;
  /** sha256 hex of the stored content; undefined before any content arrived. */
  sha256?: string;
  /** Content uploads received in full (a second one replaces the first). */
  uploads: number;
}

export interface SandboxCounters {
  requests: number;
  finds: number;
  gets: number;
  puts: number;
  posts: number;
  /** Attachment rows created (POST /Attachment). */
  attachments: number;
  /** Attachment contents received in full (POST /Attachment/{id}/Content). */
  uploads: number;
  /** Requests answered by an injected fault, by kind. */
  faults: Record<string, number>;
  /**
   * API requests by route, the ids in the path replaced by `{id}` (`GET /TicketMessage/{id}`,
   * `POST /Agents/Ticket/ResolveTicketId`): what a flow spends its requests on (issue 13).
   */
  byRoute: Record<string, number>;
}

export interface SandboxState {
  tickets: (StoredTicket & { NumMessages: number })[];
  messages: (Json & { EjMessageId: number; TicketId: number })[];
  /** Every attachment row with its content's size and sha256 and the messages it is connected to. */
  attachments: (StoredAttachment & { connectedTo: number[] })[];
  counters: SandboxCounters;
}

/** The system associate: SuperOffice's CreatedBy for externally posted messages. */
export const SYSTEM_ASSOCIATE = {
  AssociateId: 1,
  Name: 'SYSTEM',
  Type: 'SystemAssociate',
  FullName: 'System',
} as const;

const RESPONSE_ONLY = ['Ticket', 'TableRight', 'FieldProperties', '_Links'];
const FULL_RIGHTS = { Mask: 'FULL', Reason: '' };

export class SandboxStore {
  readonly tickets = new Map<number, StoredTicket>();
  readonly messages = new Map<number, StoredMessage>();
  readonly attachments = new Map<number, StoredAttachment>();
  /** Attachment ids connected to each message, in connect order. */
  readonly messageAttachments = new Map<number, number[]>();
  readonly counters: SandboxCounters = {
    requests: 0,
    finds: 0,
    gets: 0,
    puts: 0,
    posts: 0,
    attachments: 0,
    uploads: 0,
    faults: {},
    byRoute: {},
  };
  /** Count one API request under its route (see SandboxCounters.byRoute). */
  countRequest(method: string, path: string): void {
    this.counters.requests++;
    const key = `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
    this.counters.byRoute[key] = (this.counters.byRoute[key] ?? 0) + 1;
  }

  private nextTicketId = 1;
  private nextMessageId = 1;
  private nextAttachmentId = 1;

  constructor(private readonly baseUrl: () => string = () => 'http://sandbox') {}

  addTicket(fields: { Title: string; CreatedAt?: string; Origin?: StoredTicket['Origin'] }): StoredTicket {
    const t: StoredTicket = {
      TicketId: this.nextTicketId++,
      Title: fields.Title,
      CreatedAt: fields.CreatedAt ?? new Date().toISOString(),
      BaseStatus: 'Active',
      Origin: fields.Origin ?? 'Email',
    };
    this.tickets.set(t.TicketId, t);
    return t;
  }

  /** Store a new message on `ticketId` (which must exist); server defaults fill what is missing. */
  addMessage(ticketId: number, fields: Json): number {
    if (!this.tickets.has(ticketId)) throw new Error(`ticket ${ticketId} does not exist`);
    const id = this.nextMessageId++;
    const entity = { ...this.defaults(), ...strip(fields), EjMessageId: id };
    this.messages.set(id, { ticketId, entity });
    return id;
  }

  /** PUT: the body replaces the entity; the ticket changes only when the body names another one. */
  replaceMessage(id: number, body: Json, ticketId?: number): void {
    const current = this.messages.get(id);
    if (!current) throw new Error(`ticket message ${id} does not exist`);
    this.messages.set(id, {
      ticketId: ticketId ?? current.ticketId,
      entity: { ...strip(body), EjMessageId: id },
    });
  }

  /** `GET /api/v1/TicketMessage/default`: a new entity with the server's defaults. */
  defaults(): Json & { EjMessageId: number } {
    return {
      EjMessageId: 0,
      CreatedBy: { ...SYSTEM_ASSOCIATE },
      Slevel: 'External',
      Type: 'Plain',
      MessageCategory: 'Message',
      TimeSpent: 0,
      Important: false,
      MessageHeaders: [],
      ExtraFields: {},
      CustomFields: {},
    };
  }

  /** Merge `from` into `into`: its messages move, it keeps a ConnectId pointer (as SuperOffice does). */
  mergeTicket(from: number, into: number): void {
    const t = this.tickets.get(from);
    if (!t || !this.tickets.has(into)) throw new Error('unknown ticket');
    t.BaseStatus = 'Merged';
    t.ConnectId = into;
    for (const m of this.messages.values()) if (m.ticketId === from) m.ticketId = into;
  }

  /** The surviving ticket after merges; undefined for an unknown id. */
  resolveTicketId(id: number): number | undefined {
    let t = this.tickets.get(id);
    for (let hops = 0; t?.ConnectId !== undefined && hops < 100; hops++) t = this.tickets.get(t.ConnectId);
    return t?.TicketId;
  }

  /** Ids of messages whose MessageId is exactly `messageId`, ascending. */
  findByMessageId(messageId: string): number[] {
    const out: number[] = [];
    for (const [id, m] of this.messages) if (m.entity.MessageId === messageId) out.push(id);
    return out.sort((a, b) => a - b);
  }

  addAttachment(
    fields: Omit<StoredAttachment, 'AttachmentId' | 'size' | 'uploads' | 'sha256'>,
  ): StoredAttachment {
    const a: StoredAttachment = { ...fields, AttachmentId: this.nextAttachmentId++, size: 0, uploads: 0 };
    this.attachments.set(a.AttachmentId, a);
    return a;
  }

  /** Connect attachments to a message; connecting one twice keeps one link (as a set). */
  connectAttachments(messageId: number, ids: readonly number[]): void {
    const list = this.messageAttachments.get(messageId) ?? [];
    for (const id of ids) if (!list.includes(id)) list.push(id);
    this.messageAttachments.set(messageId, list);
  }

  /** The messages an attachment is connected to. */
  connectedTo(attachmentId: number): number[] {
    const out: number[] = [];
    for (const [m, ids] of this.messageAttachments) if (ids.includes(attachmentId)) out.push(m);
    return out;
  }

  /** The AttachmentEntity as GET /Attachment/{id} answers it; AttSize is the stored content's size. */
  renderAttachment(a: StoredAttachment): Json {
    return {
      AttachmentId: a.AttachmentId,
      Name: a.Name,
      ContentType: a.ContentType,
      AttSize: a.size,
      InlineImage: a.InlineImage,
      ContentId: a.ContentId,
      AuthKey: a.AuthKey,
    };
  }

  renderTicket(id: number): Json | undefined {
    const t = this.tickets.get(id);
    if (!t) return undefined;
    let n = 0;
    for (const m of this.messages.values()) if (m.ticketId === id) n++;
    return { ...t, NumMessages: n, TableRight: FULL_RIGHTS };
  }

  renderMessage(id: number): Json | undefined {
    const m = this.messages.get(id);
    if (!m) return undefined;
    const base = this.baseUrl();
    return {
      ...m.entity,
      Ticket: this.renderTicket(m.ticketId),
      TableRight: FULL_RIGHTS,
      FieldProperties: {},
      _Links: { Self: `${base}/api/v1/TicketMessage/${id}`, Archive: `${base}/api/v1/TicketMessage` },
    };
  }

  dump(): SandboxState {
    return {
      tickets: [...this.tickets.values()].map((t) => ({
        ...t,
        NumMessages: (this.renderTicket(t.TicketId)?.NumMessages as number) ?? 0,
      })),
      messages: [...this.messages.values()].map((m) => ({ ...m.entity, TicketId: m.ticketId })),
      attachments: [...this.attachments.values()].map((a) => ({
        ...a,
        connectedTo: this.connectedTo(a.AttachmentId),
      })),
      counters: structuredClone(this.counters),
    };
  }
}

function strip(fields: Json): Json {
  const out: Json = { ...fields };
  for (const f of RESPONSE_ONLY) delete out[f];
  return out;
}
