import { createHash, randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID in canonical text form; ids are checked before they reach SQL. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** The caller's request id when it is a short printable id (letters, digits, `_.:-`, at most 128), else a new one. */
export function requestIdOrNew(candidate: unknown): string {
  return typeof candidate === 'string' && /^[\w.:-]{1,128}$/.test(candidate) ? candidate : randomUUID();
}

/** A new random id. */
export function newId(): string {
  return randomUUID();
}

/** A stable UUID (version 4 layout) derived from `name`, for seed data every subgraph must agree on. */
export function stableId(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
