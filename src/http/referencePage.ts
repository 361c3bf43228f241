/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access -- it reads an arbitrary JSON document */
/**
 * A readable reference of the API as one static HTML page, rendered from the OpenAPI document:
 * operations with their parameters, bodies and responses, then the schemas. Self-contained (inline
 * CSS, no script, no external asset), so it needs no CDN and works without JavaScript.
 */

type Json = { [key: string]: any };

const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;

const escapeHtml = (value: unknown): string =>
  String(value).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');

/** Inline `code` spans of the document's Markdown-ish descriptions, on escaped text. */
const prose = (value: unknown): string => (value === undefined ? '' : escapeHtml(value).replace(/`([^`]+)`/g, '<code>$1</code>'));

const anchor = (kind: string, name: string) => `${kind}-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

function refName(ref: string): { kind: string; name: string } {
  const parts = ref.split('/');
  return { kind: parts[2] ?? '', name: parts[3] ?? '' };
}

/** A one-line summary of a schema: `Entity`, `string (uuid)`, `array of Entity`, `"public" | "private"`. */
function typeOf(schema: Json | undefined): string {
  if (!schema) return '';
  if (schema['$ref']) {
    const { name } = refName(schema['$ref'] as string);
    return `<a href="#${anchor('schema', name)}">${escapeHtml(name)}</a>`;
  }
  if (schema['const'] !== undefined) return `<code>${escapeHtml(JSON.stringify(schema['const']))}</code>`;
  if (Array.isArray(schema['enum'])) return schema['enum'].map((v: unknown) => `<code>${escapeHtml(JSON.stringify(v))}</code>`).join(' | ');
  for (const key of ['anyOf', 'oneOf']) if (Array.isArray(schema[key])) return (schema[key] as Json[]).map(typeOf).join(' | ');
  const types = Array.isArray(schema['type']) ? (schema['type'] as string[]) : schema['type'] ? [schema['type'] as string] : [];
  const rendered = types.map((t) => (t === 'array' ? `array of ${typeOf(schema['items'] as Json)}` : escapeHtml(t)));
  const constraints = [
    schema['format'],
    schema['minimum'] !== undefined && `≥ ${schema['minimum']}`,
    schema['maximum'] !== undefined && `≤ ${schema['maximum']}`,
    schema['minLength'] !== undefined && `length ≥ ${schema['minLength']}`,
    schema['maxLength'] !== undefined && `length ≤ ${schema['maxLength']}`,
    schema['default'] !== undefined && `default ${JSON.stringify(schema['default'])}`,
  ].filter(Boolean);
  return (rendered.join(' | ') || 'any') + (constraints.length ? ` <span class="muted">(${escapeHtml(constraints.join(', '))})</span>` : '');
}

function table(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '';
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function resolve(document: Json, value: Json): Json {
  if (!value?.['$ref']) return value;
  const { kind, name } = refName(value['$ref'] as string);
  return (document['components']?.[kind]?.[name] as Json | undefined) ?? value;
}

function security(operation: Json, document: Json): string {
  const requirements = (operation['security'] ?? document['security'] ?? []) as Json[];
  const options = requirements.map((r) => {
    const entries = Object.entries(r);
    return entries.length === 0 ? 'anonymous' : entries.map(([scheme, scopes]) => `${escapeHtml(scheme)} ${(scopes as string[]).map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}`).join(' + ');
  });
  return options.length ? `<p><strong>Auth:</strong> ${options.join(' <em>or</em> ')}</p>` : '';
}

function operationHtml(document: Json, path: string, method: string, operation: Json): string {
  const id = anchor('op', String(operation['operationId'] ?? `${method}-${path}`));
  const parameters = ((operation['parameters'] ?? []) as Json[]).map((p) => resolve(document, p));
  const body = operation['requestBody'] ? resolve(document, operation['requestBody'] as Json) : undefined;
  const responses = Object.entries((operation['responses'] ?? {}) as Json).map(([status, r]) => {
    const response = resolve(document, r as Json);
    const headers = Object.entries((response['headers'] ?? {}) as Json).map(([name, h]) => `<code>${escapeHtml(name)}</code>${(h as Json)['required'] ? '' : '?'}`);
    const content = Object.entries((response['content'] ?? {}) as Json).map(([type, media]) => `${escapeHtml(type)}: ${typeOf((media as Json)['schema'] as Json)}`);
    return [`<strong>${escapeHtml(status)}</strong>`, prose(response['description']), content.join('<br>'), headers.join(', ')];
  });
  return `<section class="op" id="${id}">
<h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code></h3>
<p>${prose(operation['summary'])}</p>${operation['description'] ? `<p class="muted">${prose(operation['description'])}</p>` : ''}
${security(operation, document)}
${parameters.length ? '<h4>Parameters</h4>' : ''}${table(
    ['name', 'in', 'type', 'description'],
    parameters.map((p) => [`<code>${escapeHtml(p['name'])}</code>${p['required'] ? ' <span class="req">required</span>' : ''}`, escapeHtml(p['in']), typeOf(p['schema'] as Json), prose(p['description'] ?? p['schema']?.['description'])]),
  )}
${body ? `<h4>Request body${body['required'] ? ' <span class="req">required</span>' : ''}</h4>${table(['content type', 'schema'], Object.entries((body['content'] ?? {}) as Json).map(([type, media]) => [escapeHtml(type), typeOf((media as Json)['schema'] as Json)]))}` : ''}
<h4>Responses</h4>${table(['status', 'description', 'body', 'headers (? optional)'], responses)}
</section>`;
}

function schemaHtml(name: string, schema: Json): string {
  const properties = Object.entries((schema['properties'] ?? {}) as Json);
  const required = new Set((schema['required'] ?? []) as string[]);
  const example = (schema['examples'] as unknown[] | undefined)?.[0];
  return `<section class="schema" id="${anchor('schema', name)}">
<h3>${escapeHtml(name)}</h3>${schema['description'] ? `<p>${prose(schema['description'])}</p>` : ''}
${properties.length ? table(['property', 'type', 'description'], properties.map(([p, s]) => [`<code>${escapeHtml(p)}</code>${required.has(p) ? ' <span class="req">required</span>' : ''}`, typeOf(s as Json), prose((s as Json)['description'])])) : `<p>${typeOf(schema)}</p>`}
${schema['additionalProperties'] === false ? '<p class="muted">No other members.</p>' : ''}${example === undefined ? '' : `<details><summary>Example</summary><pre>${escapeHtml(JSON.stringify(example, null, 2))}</pre></details>`}
</section>`;
}

const STYLE = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:1100px;margin:0 auto;padding:1.5rem}
nav{columns:2;font-size:14px}nav a{display:block}
code{font:13px ui-monospace,monospace;background:#eef1f5;padding:0 .25em;border-radius:3px}
pre{background:#eef1f5;padding:.75rem;overflow:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:14px}
th,td{border:1px solid #d8dde6;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f5}
.op,.schema{background:#fff;border:1px solid #d8dde6;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5em;text-align:center;color:#fff;border-radius:3px;font-size:13px;padding:.1em .4em}
.get{background:#1f7a4d}.post{background:#1d5fb4}.put{background:#8a5a00}.patch{background:#6b4bb3}.delete{background:#b3261e}
.req{color:#b3261e;font-size:12px}.muted{color:#5b6475}
`;

export function renderReferencePage(document: Json): string {
  const info = (document['info'] ?? {}) as Json;
  const paths = Object.entries((document['paths'] ?? {}) as Json);
  const operations = paths.flatMap(([path, item]) => METHODS.filter((m) => (item as Json)[m]).map((m) => ({ path, method: m, operation: (item as Json)[m] as Json })));
  const schemas = Object.entries((document['components']?.['schemas'] ?? {}) as Json);
  const schemes = Object.entries((document['components']?.['securitySchemes'] ?? {}) as Json);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(info['title'])} ${escapeHtml(info['version'])}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escapeHtml(info['title'])} <span class="muted">${escapeHtml(info['version'])}</span></h1>
<p>${prose(info['description'])}</p>
<p>The machine-readable contract: <a href="openapi.json">openapi.json</a> (OpenAPI ${escapeHtml(document['openapi'])}).</p>
<h2>Servers</h2><ul>${((document['servers'] ?? []) as Json[]).map((s) => `<li><code>${escapeHtml(s['url'])}</code> ${prose(s['description'])}</li>`).join('')}</ul>
<h2>Authentication</h2>${schemes.map(([name, s]) => `<p><strong>${escapeHtml(name)}</strong> (${escapeHtml((s as Json)['type'])}): ${prose((s as Json)['description'])}</p>`).join('')}
<h2>Operations</h2><nav>${operations.map(({ path, method, operation }) => `<a href="#${anchor('op', String(operation['operationId']))}">${method.toUpperCase()} ${escapeHtml(path)}</a>`).join('')}</nav>
${operations.map(({ path, method, operation }) => operationHtml(document, path, method, operation)).join('\n')}
<h2>Schemas</h2>
${schemas.map(([name, schema]) => schemaHtml(name, schema as Json)).join('\n')}
</main></body></html>
`;
}
