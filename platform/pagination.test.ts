import { DomainError } from './errors';
import { encodeCursor, parsePage, toConnection, MAX_PAGE_SIZE } from './pagination';

describe('parsePage', () => {
  it('defaults first to 20 and decodes a cursor it made', () => {
    const createdAt = new Date('2026-01-01T00:00:00.123Z');
    const id = '4b1c1f8e-0a7e-4c9b-9d55-0c5d2f0b9f10';
    expect(parsePage({})).toEqual({ first: 20, after: null });
    expect(parsePage({ first: 3, after: encodeCursor({ created_at: createdAt, id }) })).toEqual({ first: 3, after: { createdAt, id } });
  });

  it.each([
    [{ first: -1 }, 'first'],
    [{ first: MAX_PAGE_SIZE + 1 }, 'first'],
    [{ after: 'nonsense' }, 'after'],
    [{ after: Buffer.from('["not a date","4b1c1f8e-0a7e-4c9b-9d55-0c5d2f0b9f10"]').toString('base64url') }, 'after'],
    [{ after: Buffer.from('["2026-01-01T00:00:00.000Z","1; drop table"]').toString('base64url') }, 'after'],
  ])('rejects %j naming %s', (args, field) => {
    expect(() => parsePage(args)).toThrow(DomainError);
    try {
      parsePage(args);
    } catch (error) {
      expect((error as DomainError).field).toBe(field);
    }
  });
});

describe('toConnection', () => {
  const row = (n: number) => ({ id: `00000000-0000-4000-8000-00000000000${n}`, created_at: new Date(n * 1000), total_count: 3 });

  it('shows `first` rows and says whether more follow', () => {
    const page = { first: 2, after: null };
    const connection = toConnection([row(3), row(2), row(1)], page, 3, (r) => r.id);
    expect(connection.edges.map((edge) => edge.node)).toEqual([row(3).id, row(2).id]);
    expect(connection.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, endCursor: encodeCursor(row(2)) });
    expect(connection.totalCount).toBe(3);
  });

  it('gives null cursors on an empty page', () => {
    expect(toConnection([], { first: 5, after: null }, 0, (r) => r).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });
});
