import * as z from 'zod/mini';
import type { LegacySource } from '../domain/legacyInbound.ts';
import { blankIsUnset, nonEmpty, parseEnvironment, requireSettings } from './config.ts';

/**
 * The legacy bridge's settings (docs/legacy-bridge.md): the broker's names prefix, the sources
 * (which queue belongs to which tenant), and how to reach the broker: a full AMQP URL locally,
 * or in AWS the broker's AMQPS endpoint and the Secrets Manager secret with its credentials.
 */
const legacySchema = z
  .object({
    LEGACY_PREFIX: z._default(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, "_", "." or "-"')), 'legacy'),
    LEGACY_SOURCES: z._default(z.pipe(z.string(), z.transform((text, ctx) => {
      try {
        return parseLegacySources(text);
      } catch (error) {
        ctx.issues.push({ code: 'custom', message: (error as Error).message, input: text });
        return [];
      }
    })), []),
    LEGACY_BROKER_URL: blankIsUnset(z.url({ protocol: /^amqps?$/, error: 'must be an amqp:// or amqps:// URL' })),
    LEGACY_BROKER_ENDPOINT: blankIsUnset(z.url({ protocol: /^amqps?$/, error: 'must be an amqps:// endpoint' })),
    /** The Amazon MQ broker's id (the template's Ref): the endpoint is derived from it unless LEGACY_BROKER_ENDPOINT is set. */
    LEGACY_BROKER_ID: blankIsUnset(z.string().check(z.regex(/^b-[a-z0-9-]+$/, 'must be an Amazon MQ broker id, e.g. b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9'))),
    LEGACY_BROKER_SECRET_ID: blankIsUnset(nonEmpty),
  })
  .check(
    z.superRefine((value, ctx) => {
      if (value.LEGACY_BROKER_URL === undefined) {
        requireSettings(ctx, ['LEGACY_BROKER_SECRET_ID'], 'unless LEGACY_BROKER_URL is set');
        if (value.LEGACY_BROKER_ENDPOINT === undefined && value.LEGACY_BROKER_ID === undefined) ctx.addIssue({ code: 'custom', path: ['LEGACY_BROKER_ID'], message: 'is required (or LEGACY_BROKER_ENDPOINT) unless LEGACY_BROKER_URL is set', input: undefined });
      }
    }),
  );

export type LegacyConfig = z.output<typeof legacySchema>;

export function parseLegacyConfig(env: Record<string, string | undefined>): LegacyConfig {
  return parseEnvironment(legacySchema, env, 'legacy bridge configuration');
}

/** The legacy bridge's settings from the environment, validated. */
export const readLegacyConfig = (): LegacyConfig => parseLegacyConfig(process.env);

/** Parses the configured sources: `tenant:source` pairs separated by commas (ids of letters, digits, `_` and `-`). */
export function parseLegacySources(text: string): LegacySource[] {
  return text
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair !== '')
    .map((pair) => {
      const match = /^([A-Za-z0-9_-]{1,64}):([A-Za-z0-9_-]{1,64})$/.exec(pair);
      if (!match) throw new Error(`"${pair}" is not a tenant:source pair (letters, digits, _ and - only)`);
      return { tenantId: match[1]!, source: match[2]! };
    });
}
