import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import type { Sql } from '@remit/db';
import {
  createWrappedKey,
  openFrom,
  openSealedKey,
  privateKeyFromRaw,
  publicKeyFromRow,
  sealTo,
  wrapPublicKey,
  type PersonalKeyring,
} from './personal-keys.ts';

/**
 * Personal audit details (emails, names, addresses) are sealed under a key of the user they
 * belong to, kept in audit_personal_keys: the entry's actor, or the org's own key for an entry
 * without one (a refused token from some address names no user). Purging a user deletes their
 * key, which shreds every detail sealed under it at once, including copies of the ciphertext that
 * left the database. The hashed entry is untouched, so the chain still verifies.
 *
 * v2 (once openAuditPersonalKeyring has given the org a wrapping key): sealed to the user's X25519
 * public key, whose private half is stored sealed to the wrapping key in the secret store
 * (personal-keys.ts), so reading needs the keyring. v1 (migration 0015, and an org whose runtime
 * has not opened the keyring yet): AES-256-GCM under a plain per-user key, which the keyring's
 * first opening wraps.
 */

/** What a sealed row holds in audit_personal.data. */
type SealedPersonal =
  | {
      v: 1;
      /** audit_personal_keys.id */
      key: string;
      iv: string;
      /** Ciphertext followed by the 16-byte GCM tag, base64. */
      ct: string;
    }
  | {
      v: 2;
      key: string;
      /** sealTo's output (ephemeral key, IV, ciphertext, tag), base64. */
      ct: string;
    };

/** Opening a v2 detail, or a wrapped legacy key, needs the org's wrapping key from the secret store. */
export class AuditKeyringRequired extends Error {
  readonly code = 'audit_keyring_required';
  constructor() {
    super('Personal audit details are sealed under keys held by the secret store; open the audit keyring to read them.');
  }
}

/** What a reader gets for an entry whose key was destroyed by a purge. */
export const PURGED_PERSONAL = Object.freeze({ purged: true as const });
export type PersonalDetails = Record<string, unknown> | typeof PURGED_PERSONAL;

const IV_BYTES = 12;
const TAG_BYTES = 16;

// The org and seq are bound into each ciphertext, so a row copied onto another entry (or into
// another org) fails to open instead of telling a different story.
const aad = (v: 1 | 2, orgId: string, seq: number, keyId: string) => Buffer.from(`remit.audit_personal.v${v}|${orgId}|${seq}|${keyId}`);

function isSealed(data: unknown): data is SealedPersonal {
  const v = (data as { v?: unknown } | null)?.v;
  return typeof data === 'object' && data !== null && (v === 1 || v === 2) && typeof (data as { ct?: unknown }).ct === 'string';
}

type DataKey = { v: 1; id: string; key: Buffer } | { v: 2; id: string; publicKey: KeyObject };

/**
 * The key to seal `actorId`'s details under, created on first use: a live user's own; the org's
 * for no actor or an id that names no user; undefined for a purged user, about whom nothing
 * personal is recorded again. Wrapped (v2) once the org has a wrapping key. Inside appendAudit,
 * under its per-org lock, so two appends never race to create one key.
 */
async function dataKeyFor(sql: Sql, actorId: string | null): Promise<DataKey | undefined> {
  let userId: string | null = null;
  if (actorId !== null) {
    const user = await sql.query<{ purged: boolean }>('select purged_at is not null as purged from users where id = $1', [actorId]);
    if (user.rows[0]?.purged) return undefined;
    if (user.rows[0]) userId = actorId;
  }
  const wrapKey = await wrapPublicKey(sql);
  if (wrapKey) {
    const found = await sql.query<{ id: string; public_key: string }>(
      `select id, encode(public_key, 'base64') as public_key from audit_personal_keys
        where user_id is not distinct from $1::uuid and public_key is not null`,
      [userId],
    );
    const row = found.rows[0];
    return { v: 2, ...(row ? { id: row.id, publicKey: publicKeyFromRow(row.public_key) } : await createWrappedKey(sql, userId, wrapKey)) };
  }
  const res = await sql.query<{ id: string; key: string }>(
    `with existing as (select id, key from audit_personal_keys where user_id is not distinct from $1::uuid and key is not null),
          created as (
            insert into audit_personal_keys (org_id, user_id, key)
            select remit_current_org(), $1::uuid, decode($2, 'base64') where not exists (select 1 from existing)
            returning id, key)
     select id, encode(key, 'base64') as key from existing
     union all select id, encode(key, 'base64') as key from created`,
    [userId, randomBytes(32).toString('base64')],
  );
  const row = res.rows[0]!;
  return { v: 1, id: row.id, key: Buffer.from(row.key, 'base64') };
}

/** Seals `personal` for entry `seq` under its user's key and stores it; stores nothing for a purged user. */
export async function storeAuditPersonal(
  sql: Sql,
  entry: { orgId: string; seq: number; actorId: string | null },
  personal: Record<string, unknown>,
): Promise<void> {
  const dataKey = await dataKeyFor(sql, entry.actorId);
  if (!dataKey) return;
  const plain = Buffer.from(JSON.stringify(personal), 'utf8');
  let sealed: SealedPersonal;
  if (dataKey.v === 2) {
    sealed = { v: 2, key: dataKey.id, ct: sealTo(dataKey.publicKey, plain, aad(2, entry.orgId, entry.seq, dataKey.id)).toString('base64') };
  } else {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', dataKey.key, iv);
    cipher.setAAD(aad(1, entry.orgId, entry.seq, dataKey.id));
    const ct = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    sealed = { v: 1, key: dataKey.id, iv: iv.toString('base64'), ct: ct.toString('base64') };
  }
  await sql.query('insert into audit_personal (org_id, seq, data) values ($1, $2, $3::jsonb)', [entry.orgId, entry.seq, JSON.stringify(sealed)]);
}

function openV1(orgId: string, seq: number, sealed: Extract<SealedPersonal, { v: 1 }>, key: Buffer): Record<string, unknown> {
  const ct = Buffer.from(sealed.ct, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
  decipher.setAAD(aad(1, orgId, seq, sealed.key));
  decipher.setAuthTag(ct.subarray(ct.length - TAG_BYTES));
  const plain = Buffer.concat([decipher.update(ct.subarray(0, ct.length - TAG_BYTES)), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}

interface PersonalRow {
  org_id: string;
  seq: number;
  data: unknown;
  key_id: string | null;
  key: string | null;
  sealed_key: string | null;
}

function openRow(row: PersonalRow, keyring: PersonalKeyring | undefined): PersonalDetails {
  // Rows written before migration 0015 are plaintext; they read as they are (a purge deletes them).
  if (!isSealed(row.data)) return row.data as Record<string, unknown>;
  if (row.key_id === null) return PURGED_PERSONAL;
  const sealed = row.data;
  const unwrapped = () => {
    if (!keyring) throw new AuditKeyringRequired();
    return openSealedKey(keyring, row.key_id!, row.sealed_key!);
  };
  if (sealed.v === 1) return openV1(row.org_id, row.seq, sealed, row.key !== null ? Buffer.from(row.key, 'base64') : unwrapped());
  const plain = openFrom(privateKeyFromRaw(unwrapped()), Buffer.from(sealed.ct, 'base64'), aad(2, row.org_id, row.seq, sealed.key));
  return JSON.parse(plain.toString('utf8')) as Record<string, unknown>;
}

const selectPersonal = `select p.org_id, p.seq, p.data, k.id as key_id, encode(k.key, 'base64') as key, encode(k.sealed_key, 'base64') as sealed_key
                          from audit_personal p
                          left join audit_personal_keys k on k.org_id = p.org_id and k.id::text = p.data ->> 'key'`;

/**
 * The personal details of the current org's entries `seqs`, opened: PURGED_PERSONAL where the
 * user's key was destroyed; entries with none (or whose details a purge deleted) are absent.
 * A row that fails its GCM check throws: someone edited it. Without `keyring`, a detail under a
 * wrapped key throws AuditKeyringRequired.
 */
export async function readAuditPersonal(sql: Sql, seqs: readonly number[], keyring?: PersonalKeyring): Promise<Map<number, PersonalDetails>> {
  const res = await sql.query<PersonalRow>(`${selectPersonal} where p.seq = any($1::bigint[]) order by p.seq`, [[...seqs]]);
  return new Map(res.rows.map((row) => [Number(row.seq), openRow(row, keyring)]));
}

/**
 * Destroys the user's keys (a wrapped legacy key and their v2 key alike): every personal detail
 * sealed under them can no longer be read. Returns how many keys went (0 to 2).
 */
export async function shredAuditPersonalKey(sql: Sql, userId: string): Promise<number> {
  const res = await sql.query('delete from audit_personal_keys where user_id = $1', [userId]);
  return res.rowCount;
}

const SWEEP_PAGE = 1000;

/**
 * Deletes the personal details that name someone under another key than their own (an admin
 * who bound their email, a refusal sealed under the org's key): any with a string that contains
 * one of `needles`, compared case-insensitively; and `actorId`'s unsealed rows from before
 * migration 0015. Their own sealed rows stay, to read as purged once their key is shredded.
 * Returns how many rows went.
 * Reads the whole org's personal rows a page at a time: a purge is rare, and only the opened
 * text can say whom a sealed row names. A row whose key is gone names no one readable and stays.
 */
export async function eraseAuditPersonalNaming(sql: Sql, who: { actorId: string; needles: readonly string[] }, keyring?: PersonalKeyring): Promise<number> {
  const needles = who.needles.filter((n) => n.length > 0).map((n) => n.toLowerCase());
  const byActor = await sql.query(
    `delete from audit_personal p using audit_events e
      where e.org_id = p.org_id and e.seq = p.seq and e.actor_id = $1 and (p.data ->> 'v') is distinct from '1'`,
    [who.actorId],
  );
  let erased = byActor.rowCount;
  if (needles.length === 0) return erased;
  for (let after = 0; ;) {
    // Their own rows are left to the key's destruction, so they read as purged rather than absent.
    const page = await sql.query<PersonalRow>(`${selectPersonal} where p.seq > $1 and (k.user_id is null or k.user_id <> $3) order by p.seq limit $2`, [
      after,
      SWEEP_PAGE,
      who.actorId,
    ]);
    const naming = page.rows.filter((row) => {
      const opened = openRow(row, keyring);
      if (opened === PURGED_PERSONAL) return false;
      return stringsIn(opened).some((text) => needles.some((n) => text.toLowerCase().includes(n)));
    });
    if (naming.length > 0) {
      const res = await sql.query('delete from audit_personal where seq = any($1::bigint[])', [naming.map((r) => r.seq)]);
      erased += res.rowCount;
    }
    if (page.rows.length < SWEEP_PAGE) return erased;
    after = Number(page.rows.at(-1)!.seq);
  }
}

/** Every string in a JSON value, keys included. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  return [];
}
