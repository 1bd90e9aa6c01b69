/** Rows come back with Date objects on both drivers; the API speaks RFC 3339 strings. */
export function iso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path reference is either a resource id or its unique name; which column to match. */
export function refColumn(ref: string): 'id' | 'name' {
  return UUID.test(ref) ? 'id' : 'name';
}
