import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { registerAccountRoutes, type AccountRouteDeps } from '../../src/http/account-routes.js';
import { registerInviteRoutes, type InviteRouteDeps } from '../../src/http/invite-routes.js';
import { openApiPath } from '../../src/http/openapi.js';
import { registerServiceRoutes, type ServiceRouteDeps } from '../../src/http/service-routes.js';

/** The OpenAPI document and the docs page, checked against the routes actually registered. */

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

interface Doc {
  openapi: string;
  info: { version: string };
  paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[] }>>;
  components: { securitySchemes: Record<string, unknown> };
}

async function fetchDoc(): Promise<Doc> {
  const res = await fetch(`${srv.httpUrl}/api/openapi.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  return JSON.parse(await res.text()) as Doc;
}

/**
 * Every method + path the REST route modules register, seen through Fastify's onRoute hook. The
 * handlers never run here (only their registration is looked at), so the deps are empty shells.
 */
async function registeredRoutes(): Promise<{ method: string; path: string }[]> {
  const app = Fastify();
  const routes: { method: string; path: string }[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push({ method: m, path: r.url });
  });
  await registerServiceRoutes(app, { version: 'test' } as ServiceRouteDeps);
  await registerAccountRoutes(app, {} as AccountRouteDeps);
  await registerInviteRoutes(app, {} as InviteRouteDeps);
  await app.ready();
  await app.close();
  return routes;
}

test('the document is OpenAPI 3.1.0 JSON and every /api/service route is in it', async () => {
  const doc = await fetchDoc();
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(doc.info.version, '0.1.0');
  const service = (await registeredRoutes()).filter((r) => r.path.startsWith('/api/service/'));
  assert.ok(service.length >= 8, `found ${service.length} service routes`);
  for (const r of service) {
    const op = doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.path} is documented`);
  }
  // …and nothing is documented under /api/service that is not served.
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/service/')) continue;
    for (const method of Object.keys(methods)) {
      assert.ok(
        service.some((r) => openApiPath(r.path) === path && r.method.toLowerCase() === method),
        `${method} ${path} is served`,
      );
    }
  }
});

test('every account and invite REST route is documented too', async () => {
  const doc = await fetchDoc();
  const routes = (await registeredRoutes()).filter(
    (r) => r.path.startsWith('/api/') && r.path !== '/api/openapi.json' && r.path !== '/api/docs',
  );
  for (const r of routes) {
    assert.ok(
      doc.paths[openApiPath(r.path)]?.[r.method.toLowerCase()],
      `${r.method} ${r.path} is documented`,
    );
  }
});

test('account routes and public reads are documented; ids are unique; path parameters declared', async () => {
  const doc = await fetchDoc();
  for (const [method, path] of [
    ['post', '/api/accounts'],
    ['post', '/api/login'],
    ['get', '/api/me'],
    ['get', '/api/rooms'],
    ['get', '/api/rooms/{id}'],
    ['get', '/healthz'],
  ] as const) {
    assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
  }
  const ids = Object.values(doc.paths).flatMap((m) => Object.values(m).map((op) => op.operationId));
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const [path, methods] of Object.entries(doc.paths)) {
    const placeholders = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const op of Object.values(methods)) {
      const declared = (op.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => p.name)
        .sort();
      assert.deepEqual(declared, placeholders, `${op.operationId}: path parameters`);
    }
  }
  assert.ok(doc.components.securitySchemes['serviceKey']);
});

test('/api/docs is a self-contained HTML page listing every operation', async () => {
  const doc = await fetchDoc();
  const res = await fetch(`${srv.httpUrl}/api/docs`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await res.text();
  assert.doesNotMatch(html, /<script|<link|src=|https?:\/\/(?!json-schema)/i, 'nothing external, no script');
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const op of Object.values(methods)) {
      assert.ok(html.includes(`id="${op.operationId}"`), op.operationId);
      assert.ok(html.includes(path.replace(/&/g, '&amp;')), path);
    }
  }
  assert.match(html, /Authorization: Bearer psk_/);
});
