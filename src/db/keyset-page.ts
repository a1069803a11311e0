// Keyset pagination shared by the lists: a page is the rows after the last one the client saw, in a fixed order on
// an immutable, unique key, so rows never shift between pages the way they do with OFFSET.

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}

/** The cursor was not produced by this list for this query: garbled, from another list, or for another filter. */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/**
 * The page of a query that fetched `limit + 1` rows: the extra row only says whether there is a next page, and the
 * cursor names the last row kept.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (row: Row) => string,
): Page<Item> {
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return { items: kept.map(toItem), nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}

// A cursor is the last row's sort key packed into a fixed number of bytes, in base64url: opaque to clients, yet of
// one exact form (a length and an alphabet) that the OpenAPI document can state as a pattern. Every string of that
// form decodes to some position in the list's order, so it is a cursor the list can continue from: a client that
// only ever passes back `nextCursor` gets each row once, and no value of the documented form is refused.

const WIDTHS = { year: 2, instant: 6, uuid: 16 } as const;
type Field = keyof typeof WIDTHS;
type Value<F extends Field> = F extends 'year' ? number : F extends 'instant' ? Date : string;
type Values<Fields extends readonly Field[]> = { [Index in keyof Fields]: Value<Fields[Index]> };

export class CursorLayout<const Fields extends readonly Field[]> {
  private readonly bytes: number;
  /** The form of every cursor of this layout, as the OpenAPI document states it. */
  readonly pattern: RegExp;

  constructor(private readonly fields: Fields) {
    this.bytes = fields.reduce((total, field) => total + WIDTHS[field], 0);
    this.pattern = new RegExp(`^[A-Za-z0-9_-]{${Math.ceil((this.bytes * 4) / 3)}}$`);
  }

  encode(values: Values<Fields>): string {
    const buffer = Buffer.alloc(this.bytes);
    let offset = 0;
    this.fields.forEach((field, index) => {
      const value = values[index];
      if (field === 'uuid') buffer.write((value as string).replace(/-/g, ''), offset, 'hex');
      else
        buffer.writeUIntBE(field === 'instant' ? (value as Date).getTime() : (value as number), offset, WIDTHS[field]);
      offset += WIDTHS[field];
    });
    return buffer.toString('base64url');
  }

  decode(cursor: string): Values<Fields> {
    if (!this.pattern.test(cursor)) throw new InvalidCursorError('not a cursor of this list');
    const buffer = Buffer.from(cursor, 'base64url');
    let offset = 0;
    return this.fields.map((field) => {
      const at = offset;
      offset += WIDTHS[field];
      if (field === 'uuid') return formatUuid(buffer.subarray(at, offset).toString('hex'));
      const number = buffer.readUIntBE(at, WIDTHS[field]);
      return field === 'instant' ? new Date(number) : number;
    }) as Values<Fields>;
  }
}

function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
