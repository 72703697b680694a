/**
 * mail2ticket as a library: the package root, and the only entry point (package.json `exports`).
 * Everything exported here follows semver (docs/api.md, CHANGELOG.md); every other module is internal.
 * Importing this module runs nothing: no I/O, no timers, no global changes (`sideEffects`).
 */

export type { Config } from './config.js';
export type { ErrorCode, ErrorSummary } from './errors.js';
export { isMail2TicketError, Mail2TicketError } from './errors.js';
export { type ApiConfigInput, type ConfigInput, parseConfig } from './library/config.js';
export { type MailSource, type MapMailOptions, mapMail } from './library/map-mail.js';
export { type ReplayOptions, replay } from './library/replay.js';
export { type Sandbox, type SandboxOptions, startSandbox } from './library/sandbox.js';
export type { MailResult, MappedMail, Outcome } from './pipeline.js';
export type { FaultKind, Faults } from './sandbox/faults.js';
export type { SeedReport } from './sandbox/seed.js';
export type { SandboxCounters, SandboxState } from './sandbox/store.js';
export type { MappedPayload, TicketEntity, TicketMessageEntity } from './schema/entity.js';
export type {
  AttachmentDecision,
  AttachmentOutcome,
  BounceInfo,
  BounceRecipient,
  Classification,
  Decision,
  MailFile,
  MailKind,
  MatchedBy,
  ThreadDecision,
} from './types.js';
