import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { Id, Slug, page, pageQuery, refFromSegment, type ResourceRef } from '@remit/core';
import type { Sql } from '@remit/db';
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/app-env.ts';
import { auditRequest } from '../http/audit-request.ts';
import { listCursor } from '../http/cursor.ts';
import type { AppDeps } from '../http/deps.ts';
import { bearerSecurity, errorResponses, jsonBody, jsonContent } from '../http/openapi-helpers.ts';

/**
 * What `:ref` in a path may be: an id only, or an id or a name. A UUID-shaped segment is
 * always looked up as an id, anything else as a name; names are never UUID-shaped (Slug), so
 * the two cannot meet.
 */
type RefKind = 'id' | 'id-or-name';
type RefOf<K extends RefKind> = K extends 'id' ? { id: string } : ResourceRef;

/**
 * The transactions one write gets: `tx` for what it reads first, each short and its own, and
 * `write` for the write itself, which ends with its audit entry. A write that needs a network
 * call (a connection's live check) makes it between the two, never inside a transaction.
 */
export interface CrudTransactions<Item> {
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  write(fn: (sql: Sql) => Promise<Item>): Promise<Item>;
}

/** A write that is one repository call: it runs inside the audited transaction. */
export function inWrite<Item, A extends unknown[]>(fn: (sql: Sql, ...args: A) => Promise<Item>): (t: CrudTransactions<Item>, ...args: A) => Promise<Item> {
  return (t, ...args) => t.write((sql) => fn(sql, ...args));
}

/**
 * How a resource's list pages: in a stable order whose sort key (`keyOf`, unique per item) is
 * what a cursor carries, and `read` continues after such a key.
 */
export interface CrudListing<Item, Key extends readonly unknown[]> {
  key: z.ZodType<Key>;
  keyOf(item: Item): Key;
  read(sql: Sql, page: { after: Key | undefined; limit: number }): Promise<Item[]>;
}

/** How one admin resource is stored and described; the routes, audit and OpenAPI follow from it. */
export interface CrudResource<Item extends { id: string }, Create, Update, K extends RefKind = RefKind, Key extends readonly unknown[] = readonly unknown[]> {
  /** Singular, used in audit actions (`role.create`), operation ids and docs. */
  noun: 'role' | 'connection' | 'binding';
  path: string;
  refs: K;
  schemas: { item: z.ZodType<Item>; create: z.ZodType<Create>; update: z.ZodType<Update> };
  list: CrudListing<Item, Key>;
  get(sql: Sql, ref: RefOf<K>): Promise<Item>;
  create(t: CrudTransactions<Item>, input: Create): Promise<Item>;
  update(t: CrudTransactions<Item>, ref: RefOf<K>, patch: Update): Promise<Item>;
  remove(t: CrudTransactions<Item>, ref: RefOf<K>): Promise<Item>;
  /** Non-personal facts for the hashed audit entry. */
  auditDetail(item: Item): Record<string, unknown>;
  /** Personal facts kept beside the chain (deletable). */
  auditPersonal?(item: Item): Record<string, unknown> | undefined;
}

/** Mounts list/get/create/update/delete for one resource; every write is one transaction with its audit entry. */
export function mountCrud<Item extends { id: string }, Create, Update, K extends RefKind, Key extends readonly unknown[]>(
  app: OpenAPIHono<AppEnv>,
  deps: AppDeps,
  r: CrudResource<Item, Create, Update, K, Key>,
): void {
  const tag = `admin: ${r.noun}s`;
  const Noun = r.noun[0]!.toUpperCase() + r.noun.slice(1);
  const cursor = listCursor(`${r.noun}s`, r.list.key);
  const byName = r.refs === 'id-or-name';
  const Ref = z.object({
    ref: (byName ? z.union([Id, Slug]) : Id).meta({ param: { name: 'ref', in: 'path' }, description: byName ? 'Id, or name' : 'Id' }),
  });
  const refOf = (segment: string) => (byName ? refFromSegment(segment) : { id: segment }) as RefOf<K>;
  const tx = <T>(c: Context<AppEnv>, fn: (sql: Sql) => Promise<T>) => deps.db.tenant({ orgId: deps.orgId, userId: c.var.actor.userId }, fn);
  const write = (c: Context<AppEnv>, action: string, fn: (sql: Sql) => Promise<Item>) =>
    tx(c, async (sql) => {
      const item = await fn(sql);
      await auditRequest(sql, c, {
        action: `${r.noun}.${action}`,
        targetType: r.noun,
        targetId: item.id,
        outcome: 'success',
        detail: r.auditDetail(item),
        personal: r.auditPersonal?.(item),
      });
      return item;
    });
  const transactions = (c: Context<AppEnv>, action: string): CrudTransactions<Item> => ({ tx: (fn) => tx(c, fn), write: (fn) => write(c, action, fn) });
  const common = { tags: [tag], security: bearerSecurity };

  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: r.path,
      operationId: `list${Noun}s`,
      summary: `List ${r.noun}s, paged`,
      request: { query: z.object(pageQuery({ default: 100, max: 500 })).strict() },
      responses: { 200: jsonContent(page(r.schemas.item, `${Noun}Page`), `A page of ${r.noun}s`), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const after = cursor.decode(q.cursor);
      const rows = await tx(c, (sql) => r.list.read(sql, { after, limit: q.limit + 1 }));
      return c.json(cursor.page(rows, q.limit, r.list.keyOf), 200);
    },
  );
  app.openapi(
    createRoute({
      ...common,
      method: 'get',
      path: `${r.path}/{ref}`,
      operationId: `get${Noun}`,
      summary: `Get a ${r.noun}`,
      request: { params: Ref },
      responses: { 200: jsonContent(r.schemas.item, `The ${r.noun}`), ...errorResponses(400, 401, 403, 404, 429) },
    }),
    async (c) => c.json(await tx(c, (sql) => r.get(sql, refOf(c.req.valid('param').ref))), 200),
  );
  app.openapi(
    createRoute({
      ...common,
      method: 'post',
      path: r.path,
      operationId: `create${Noun}`,
      summary: `Create a ${r.noun}`,
      request: { body: jsonBody(r.schemas.create) },
      responses: { 201: jsonContent(r.schemas.item, `The new ${r.noun}`), ...errorResponses(400, 401, 403, 409, 413, 415, 422, 429) },
    }),
    async (c) => {
      const input = c.req.valid('json') as Create;
      return c.json(await r.create(transactions(c, 'create'), input), 201);
    },
  );
  app.openapi(
    createRoute({
      ...common,
      method: 'patch',
      path: `${r.path}/{ref}`,
      operationId: `update${Noun}`,
      summary: `Update a ${r.noun}`,
      request: { params: Ref, body: jsonBody(r.schemas.update) },
      responses: { 200: jsonContent(r.schemas.item, `The updated ${r.noun}`), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 429) },
    }),
    async (c) => {
      const patch = c.req.valid('json') as Update;
      return c.json(await r.update(transactions(c, 'update'), refOf(c.req.valid('param').ref), patch), 200);
    },
  );
  app.openapi(
    createRoute({
      ...common,
      method: 'delete',
      path: `${r.path}/{ref}`,
      operationId: `delete${Noun}`,
      summary: `Delete a ${r.noun}`,
      request: { params: Ref },
      responses: { 204: { description: 'Deleted' }, ...errorResponses(400, 401, 403, 404, 409, 429) },
    }),
    async (c) => {
      await r.remove(transactions(c, 'delete'), refOf(c.req.valid('param').ref));
      return c.body(null, 204);
    },
  );
}
