import DataLoader from 'dataloader';
import type { Sql } from '../../platform/storage/database';
import { isUuid } from '../../platform/ids';
import type { User } from './domain/user';
import { toUser, USER_COLUMNS, type UserRow } from './userRow';

export interface AccountLoaders {
  /** Users by id; null for an unknown or malformed id. */
  userById: DataLoader<string, User | null>;
}

/** Fresh loaders for one request, so nothing is cached across callers. */
export function createLoaders(db: Sql): AccountLoaders {
  return {
    userById: new DataLoader(async (ids) => {
      // Postgres prints uuids in lower case; keys are matched the same way so an upper-case id still finds its row.
      const valid = ids.filter(isUuid).map((id) => id.toLowerCase());
      const rows = valid.length ? await db.query<UserRow>(`select ${USER_COLUMNS} from accounts.users where id = any($1::uuid[])`, [valid]) : [];
      const byId = new Map(rows.map((row) => [row.id, toUser(row)]));
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    }),
  };
}
