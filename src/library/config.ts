import type { z } from 'zod';
import { type Config, type configSchema, parseConfig as parseConfigObject } from '../config.js';
import { describeError, Mail2TicketError } from '../errors.js';

/**
 * What a config may be written as: the JSON file's shape, every section and field with a default
 * optional. `parseConfig` turns it into a `Config`, every default filled in; a `Config` is accepted
 * wherever a `ConfigInput` is.
 */
export type ConfigInput = z.input<typeof configSchema>;

/** The `api` section as it may be written (e.g. `Sandbox.apiConfig`). */
export type ApiConfigInput = NonNullable<ConfigInput['api']>;

/**
 * Validate a configuration: the parsed JSON object, or the JSON text itself. Returns it with every
 * default filled in; throws a Mail2TicketError with code E_CONFIG that lists every problem with its
 * path (also as `details.problems`).
 */
export function parseConfig(json: unknown): Config {
  if (typeof json !== 'string') return parseConfigObject(json);
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new Mail2TicketError('E_CONFIG', `config is not valid JSON: ${describeError(err)}`);
  }
  return parseConfigObject(raw);
}

/** A config object as the library's functions take it (never JSON text). */
export function toConfig(config: ConfigInput | undefined): Config {
  return parseConfigObject(config ?? {});
}
