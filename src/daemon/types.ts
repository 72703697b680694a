import type { Readable } from 'node:stream';
import { type Sleep, sleep } from '../core/sleep.js';
import type { ErrorSummary } from '../errors.js';
import type { Outcome } from '../pipeline.js';

/**
 * What the mailbox loop needs from the world, injected so the loop runs against fakes in unit
 * tests and against a real IMAP server in production (the pg-boss / graphile-worker shape).
 */

/** Outcomes after which the mail counts as delivered and is flagged/moved on the server. */
export const ACCEPTED_OUTCOMES: ReadonlySet<Outcome> = new Set([
  'updated',
  'created',
  're-threaded',
  'skipped',
  'duplicate',
]);

export interface ProcessResult {
  outcome: Outcome;
  error?: ErrorSummary;
  /** Classification kind (message, bounce, ...), for metrics. */
  kind?: string;
}

export interface MailMeta {
  mailbox: string;
  uid: number;
  messageId?: string;
}

export type ProcessMail = (raw: Buffer | Readable, meta: MailMeta) => Promise<ProcessResult>;

/** The folder as found when it was opened. */
export interface FolderInfo {
  /** UIDVALIDITY as a decimal string (it is a 32-bit unsigned number; kept exact). */
  uidValidity: string;
  uidNext: number;
  exists: number;
  /** True when changes are pushed (IDLE); false means the loop polls. */
  canIdle: boolean;
}

export interface MailRef {
  uid: number;
  messageId?: string;
  size: number;
}

/** A fetched mail: in memory, or spooled to a file when large. */
export type RawMail = { kind: 'buffer'; data: Buffer } | { kind: 'file'; path: string; size: number };

export type WaitResult = 'changed' | 'timeout' | 'aborted';

export interface MailSource {
  /** Connect (again) and select the folder. Throws on failure (the loop backs off and retries). */
  open(signal: AbortSignal): Promise<FolderInfo>;
  /** UIDs >= fromUid currently in the folder, ascending. */
  listUids(fromUid: number): Promise<number[]>;
  /** Message-Id and size of one mail; null when it is gone (expunged meanwhile). */
  fetchMeta(uid: number): Promise<MailRef | null>;
  /** The raw bytes (BODY.PEEK[], so fetching never sets \Seen); null when gone. */
  fetchRaw(ref: MailRef): Promise<RawMail | null>;
  markSeen(uid: number): Promise<void>;
  move(uid: number, folder: string): Promise<void>;
  /** Wait for new mail (IDLE), a timeout, or the signal. Rejects when the connection is lost. */
  wait(timeoutMs: number, signal: AbortSignal): Promise<WaitResult>;
  /** Leave IDLE and log out; safe to call when not connected and more than once. */
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
  /** Resolves after ms, or early (without throwing) when the signal aborts (src/core/sleep.ts). */
  sleep: Sleep;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep,
};
