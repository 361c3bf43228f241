import type { MiddlewareObj } from '@middy/core';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { firstInexactNumber, inexactNumberMessage } from '../../domain/exactNumbers.ts';
import { header } from '../headers.ts';
import { HttpProblem } from '../problem.ts';

/** Bodies are small JSON documents (attributes are capped at 64 KiB); anything far larger is refused unread. */
export const MAX_BODY_BYTES = 256 * 1024;
/** Bodies nest at most this deep (attributes: 10 levels inside the body): deeper documents are refused before they are parsed. */
export const MAX_BODY_DEPTH = 32;

/** Whether a JSON text opens more than `max` arrays or objects inside each other (brackets inside strings do not count). One pass, no parsing. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

export interface JsonBodyOptions {
  /** Media types accepted besides `application/json`, e.g. `application/merge-patch+json` for PATCH. */
  readonly alsoAccept?: readonly string[];
}

/**
 * Requires a JSON body: 415 for another media type, 413 when too large, 400 when it does not
 * parse, or when it holds a number that parsing would silently round (exactNumbers.ts). Parsing is
 * @middy/http-json-body-parser's (which also refuses `__proto__` keys).
 */
export function jsonBody(options: JsonBodyOptions = {}): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const accepted = ['application/json', ...(options.alsoAccept ?? [])];
  const parser = httpJsonBodyParser({ disableContentTypeCheck: true });
  return {
    before: async (request) => {
      const { event } = request;
      const mediaType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
      if (!mediaType || !accepted.includes(mediaType)) {
        throw new HttpProblem('unsupported-media-type', `Send the body as ${accepted.join(' or ')}${mediaType ? `, not ${mediaType}` : ' with a Content-Type header'}.`);
      }
      // API Gateway always passes the body as a string; an emulator may pass what it parsed (false, 0, an object): take it as the JSON it was.
      const given: unknown = event.body;
      const raw = typeof given === 'string' ? given : given === null || given === undefined ? '' : JSON.stringify(given);
      const bytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw);
      if (bytes > MAX_BODY_BYTES) {
        throw new HttpProblem('payload-too-large', `The body is ${bytes} bytes; the limit is ${MAX_BODY_BYTES} bytes.`);
      }
      if (raw.trim() === '') throw new HttpProblem('malformed-json', 'The request needs a JSON body.');
      const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
      if (nestsDeeperThan(text, MAX_BODY_DEPTH)) {
        throw new HttpProblem('validation', `The body nests arrays or objects more than ${MAX_BODY_DEPTH} levels deep; flatten it (attributes nest at most 10 levels).`, { issues: [{ path: '/', message: `nested more than ${MAX_BODY_DEPTH} levels deep` }] });
      }
      try {
        await parser.before?.(request);
      } catch {
        if (parsesAsPlainJson(text)) {
          throw new HttpProblem('validation', 'The body uses a reserved key (__proto__, or prototype under constructor); rename it.');
        }
        throw new HttpProblem('malformed-json', 'The body is not valid JSON; check quotes, commas and brackets.');
      }
      const inexact = firstInexactNumber(text);
      if (inexact !== undefined) throw new HttpProblem('validation', `The body is invalid: ${inexactNumberMessage(inexact)}.`);
    },
  };
}

function parsesAsPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
