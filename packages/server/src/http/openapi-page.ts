import { escapeText } from '@presence/protocol';
import type { OpenApiDocument } from './openapi.js';

/**
 * The browsable API reference at /api/docs: plain HTML rendered here from the OpenAPI document,
 * with inline CSS and no script at all (collapsing uses <details>), so it needs no CDN and works
 * under the strictest content security policy.
 */

type Json = Record<string, unknown>;

const esc = (s: unknown): string => escapeText(String(s));

function obj(v: unknown): Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

/** A one-line type: `string (3–320)`, `integer ≥ 0`, `"a" | "b"`, `array of object`. */
function typeOf(s: Json): string {
  if (Array.isArray(s['enum'])) return s['enum'].map((v) => JSON.stringify(v)).join(' | ');
  if (s['const'] !== undefined) return JSON.stringify(s['const']);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) return list.map((x) => typeOf(obj(x))).join(' | ');
  }
  const type = Array.isArray(s['type']) ? s['type'].join(' | ') : String(s['type'] ?? 'any');
  if (type === 'array') return `array of ${typeOf(obj(s['items']))}`;
  const bits: string[] = [];
  const range = (min: unknown, max: unknown, unit: string): void => {
    if (min !== undefined && max !== undefined) bits.push(`${String(min)}–${String(max)}${unit}`);
    else if (min !== undefined) bits.push(`≥ ${String(min)}${unit}`);
    else if (max !== undefined) bits.push(`≤ ${String(max)}${unit}`);
  };
  range(s['minLength'], s['maxLength'], ' chars');
  range(s['minimum'], s['maximum'], '');
  if (typeof s['format'] === 'string') bits.push(s['format']);
  if (typeof s['pattern'] === 'string') bits.push(`/${s['pattern']}/`);
  if (s['default'] !== undefined) bits.push(`default ${JSON.stringify(s['default'])}`);
  return bits.length > 0 ? `${type} (${bits.join(', ')})` : type;
}

/** Descriptions are CommonMark in OpenAPI; code spans are all they use here. */
function prose(s: unknown): string {
  return esc(s).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** `#/components/schemas/Error` → `Error`. */
function refName(schema: Json): string | null {
  const ref = schema['$ref'];
  return typeof ref === 'string' ? (ref.split('/').pop() ?? null) : null;
}

/** An object schema as a nested list of fields; anything else as its one-line type. */
function schemaHtml(schema: Json, depth = 0): string {
  const ref = refName(schema);
  if (ref !== null) return ` <a href="#schema-${esc(ref)}">${esc(ref)}</a>`;
  const target = schema['type'] === 'array' ? obj(schema['items']) : schema;
  const properties = obj(target['properties']);
  const names = Object.keys(properties);
  if (names.length === 0 || depth > 6) return `<code>${esc(typeOf(schema))}</code>`;
  const required = new Set(Array.isArray(target['required']) ? (target['required'] as string[]) : []);
  const items = names.map((name) => {
    const p = obj(properties[name]);
    const nested = obj(p['type'] === 'array' ? p['items'] : p)['properties'] !== undefined;
    return (
      `<li><code class="f">${esc(name)}</code>${required.has(name) ? '' : ' <span class="opt">optional</span>'} ` +
      `<code>${esc(typeOf(p))}</code>` +
      (typeof p['description'] === 'string' ? ` — ${prose(p['description'])}` : '') +
      (nested ? schemaHtml(p, depth + 1) : '') +
      '</li>'
    );
  });
  const prefix = schema['type'] === 'array' ? '<div class="muted">array of:</div>' : '';
  return `${prefix}<ul class="schema">${items.join('')}</ul>`;
}

function schemaBlock(schema: Json): string {
  if (refName(schema) !== null) return schemaHtml(schema);
  return (
    schemaHtml(schema) +
    `<details><summary>JSON Schema</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`
  );
}

function contentSchema(content: unknown): Json | null {
  const first = Object.values(obj(content))[0];
  return first === undefined ? null : obj(obj(first)['schema']);
}

const AUTH_TEXT: Record<string, string> = {
  serviceKey: 'Service key: <code>Authorization: Bearer psk_…</code>',
  sessionToken: 'Session token: <code>Authorization: Bearer &lt;token&gt;</code>',
};

function operationHtml(method: string, path: string, op: Json): string {
  const id = esc(op['operationId']);
  const security = Array.isArray(op['security']) ? (op['security'] as Json[]) : [];
  const auth = security.map((s) => AUTH_TEXT[Object.keys(s)[0] ?? ''] ?? '').join(' or ') || 'None';
  const params = Array.isArray(op['parameters']) ? (op['parameters'] as Json[]) : [];
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code class="f">${esc(p['name'])}</code></td><td>${esc(p['in'])}</td>` +
        `<td>${p['required'] === true ? 'yes' : 'no'}</td><td><code>${esc(typeOf(obj(p['schema'])))}</code>` +
        `${typeof p['description'] === 'string' ? ` — ${prose(p['description'])}` : ''}</td></tr>`,
    )
    .join('');
  const body = contentSchema(obj(op['requestBody'])['content']);
  const responses = Object.entries(obj(op['responses']))
    .map(([status, r]) => {
      const schema = contentSchema(obj(r)['content']);
      return (
        `<div class="resp"><span class="status s${esc(status[0])}">${esc(status)}</span> ` +
        `${prose(obj(r)['description'])}${schema ? schemaBlock(schema) : ''}</div>`
      );
    })
    .join('');
  return `<section class="op" id="${id}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p class="summary">${esc(op['summary'])}</p>
${typeof op['description'] === 'string' ? `<p>${prose(op['description'])}</p>` : ''}
<p><b>Auth:</b> ${auth}</p>
${paramRows ? `<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>type</th></tr>${paramRows}</table>` : ''}
${body ? `<h4>Request body <span class="muted">application/json</span></h4>${schemaBlock(body)}` : ''}
<h4>Responses</h4>${responses}
</section>`;
}

const CSS = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330;background:#f7f8fa}
header{background:#1d2330;color:#fff;padding:1.2rem 2rem}header a{color:#9cc4ff}
main{display:flex;gap:2rem;padding:1.5rem 2rem;align-items:flex-start}
nav{position:sticky;top:1rem;min-width:17rem;font-size:14px}nav ul{list-style:none;padding:0;margin:0 0 1rem}
nav a{color:#1d2330;text-decoration:none}nav a:hover{text-decoration:underline}
.content{flex:1;min-width:0}.op{background:#fff;border:1px solid #dde1e8;border-radius:8px;padding:1rem 1.3rem;margin-bottom:1.2rem}
h2{margin-top:0}h3{margin:0;font-size:1.05rem}h4{margin:1rem 0 .3rem;font-size:.95rem}
.m{display:inline-block;min-width:4.2rem;text-align:center;border-radius:4px;color:#fff;font-size:.8rem;padding:.1rem .4rem}
.get{background:#2f7d4f}.post{background:#2a62b8}.put{background:#a86a12}.delete{background:#b3322d}
.summary{font-weight:600;margin:.4rem 0}.muted,.opt{color:#6b7280;font-size:.85em}
code{font:13px ui-monospace,monospace;background:#f0f2f5;padding:0 .25rem;border-radius:3px}code.f{font-weight:600}
pre{background:#f0f2f5;padding:.6rem;overflow:auto;font-size:12px}table{border-collapse:collapse}
td,th{border:1px solid #dde1e8;padding:.25rem .5rem;text-align:left;vertical-align:top}
ul.schema{margin:.2rem 0;padding-left:1.2rem}.resp{margin:.35rem 0}
.status{display:inline-block;border-radius:4px;padding:0 .35rem;font-weight:600}.s2{background:#dcf2e4}.s4{background:#fde7d6}.s5{background:#f8d7d7}
summary{cursor:pointer;color:#6b7280;font-size:.85em}`;

function schemasHtml(doc: OpenApiDocument): string {
  const entries = Object.entries(doc.components.schemas);
  if (entries.length === 0) return '';
  return (
    '<h2>Schemas</h2>' +
    entries
      .map(
        ([name, schema]) =>
          `<section class="op" id="schema-${esc(name)}"><h3><code>${esc(name)}</code></h3>${schemaBlock(obj(schema))}</section>`,
      )
      .join('')
  );
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function renderApiDocsPage(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const nav = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = String((op['tags'] as string[] | undefined)?.[0] ?? 'Other');
      push(byTag, tag, operationHtml(method, path, op));
      push(
        nav,
        tag,
        `<li><a href="#${esc(op['operationId'])}"><span class="muted">${esc(method.toUpperCase())}</span> ${esc(path)}</a></li>`,
      );
    }
  }
  const tags = doc.tags.map((t) => t.name).filter((t) => byTag.has(t));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(doc.info.title)} ${esc(doc.info.version)}</title><style>${CSS}</style></head>
<body><header><h1 style="margin:0;font-size:1.4rem">${esc(doc.info.title)} <span class="muted">${esc(doc.info.version)}</span></h1>
<div>${esc(doc.info.description)} Machine-readable: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</div></header>
<main><nav>${tags.map((t) => `<b>${esc(t)}</b><ul>${(nav.get(t) ?? []).join('')}</ul>`).join('')}</nav>
<div class="content">${tags
    .map((t) => {
      const about = doc.tags.find((x) => x.name === t)?.description ?? '';
      return `<h2>${esc(t)}</h2><p class="muted">${esc(about)}</p>${(byTag.get(t) ?? []).join('')}`;
    })
    .join('')}${schemasHtml(doc)}</div></main></body></html>`;
}
