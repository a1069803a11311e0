import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { RunningPostgres } from '../../scripts/dev/embedded-postgres';
import { migrate, PRISMA_MIGRATE_LOCK_KEY } from '../../src/db/migrate';
import { freePort } from '../support/free-port';

// Nobody here can run `prisma migrate dev`, so this file is what proves that the hand-written migrations build
// exactly the database schema.prisma describes, and that the runner keeps Prisma's migration history.

const ROOT = path.resolve(__dirname, '../..');
const SCHEMA_PATH = path.join(ROOT, 'prisma', 'schema.prisma');
const MIGRATIONS_DIR = path.join(ROOT, 'prisma', 'migrations');
const MIGRATIONS_TABLE = '_prisma_migrations';

let workDir: string;
let postgres: RunningPostgres;
let datamodel: Datamodel;
let migrationNames: string[];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'yearly-greetings-migrations-'));
  // Run as root, Postgres runs as the `postgres` user, which must be able to reach its data folder in here.
  await chmod(workDir, 0o755);
  [postgres, datamodel] = await Promise.all([
    startPostgres(workDir),
    loadDatamodel(await readFile(SCHEMA_PATH, 'utf8')),
  ]);
  migrationNames = (await readDirNames(MIGRATIONS_DIR)).sort();
});

afterAll(async () => {
  await postgres?.stop();
  await rm(workDir, { recursive: true, force: true });
});

describe('the migrations', () => {
  test('build exactly the tables, columns, types, defaults, keys, indexes and enums of schema.prisma', async () => {
    const url = await freshDatabase();
    await migrate(url, { migrationsDir: MIGRATIONS_DIR });

    expect(schemaDrift(expectedSchema(datamodel), await describeDatabase(url))).toEqual([]);
  });

  test('the comparison reports a column, index or enum value present on one side only', async () => {
    const model = datamodel.models[0]!;
    const enumType = datamodel.enums[0]!;
    const table = model.dbName ?? model.name;
    const enumName = enumType.dbName ?? enumType.name;

    // schema.prisma ahead of the migrations
    const schema = await readFile(SCHEMA_PATH, 'utf8');
    const withColumn = insertAfterLine(
      schema,
      `model ${model.name} {`,
      '  driftProbe String? @map("drift_probe")\n  @@index([driftProbe])',
    );
    const aheadSchema = insertAfterLine(withColumn, `enum ${enumType.name} {`, '  drift_probe');
    const migrated = await freshDatabase();
    await migrate(migrated, { migrationsDir: MIGRATIONS_DIR });
    const schemaAhead = schemaDrift(expectedSchema(await loadDatamodel(aheadSchema)), await describeDatabase(migrated));

    // the database ahead of schema.prisma
    const changed = await freshDatabase();
    await migrate(changed, { migrationsDir: MIGRATIONS_DIR });
    await withClient(changed, (client) =>
      client.query(`
        ALTER TABLE "${table}" ADD COLUMN drift_probe TEXT;
        CREATE INDEX "${table}_drift_probe_idx" ON "${table}"(drift_probe);
        ALTER TYPE "${enumName}" ADD VALUE 'drift_probe';`),
    );
    const databaseAhead = schemaDrift(expectedSchema(datamodel), await describeDatabase(changed));

    expect(schemaAhead).toEqual([
      `missing from the database: column ${table}.drift_probe (text NULL)`,
      expect.stringMatching(new RegExp(`^missing from the database: index ${table}\\.${table}_drift_probe_idx `)),
      expect.stringMatching(new RegExp(`^enum ${enumName}: schema.prisma says .*drift_probe.*, the database has`)),
    ]);
    expect(databaseAhead).toEqual([
      expect.stringMatching(new RegExp(`^enum ${enumName}: schema.prisma says .*, the database has .*drift_probe`)),
      `not in schema.prisma: column ${table}.drift_probe (text NULL)`,
      expect.stringMatching(new RegExp(`^not in schema.prisma: index ${table}\\.${table}_drift_probe_idx `)),
    ]);
  });
});

describe('migrate', () => {
  test('records each migration in _prisma_migrations exactly as prisma migrate deploy does', async () => {
    const url = await freshDatabase();
    await migrate(url, { migrationsDir: MIGRATIONS_DIR });

    const database = await describeDatabase(url);
    // Prisma's own DDL for the table, as Postgres describes it.
    const column = (name: string, type: string, notNull: boolean, defaultValue: string | null = null) => ({
      table: MIGRATIONS_TABLE,
      name,
      type,
      notNull,
      default: defaultValue,
    });
    expect(database.columns.filter((c) => c.table === MIGRATIONS_TABLE)).toEqual([
      column('id', 'character varying(36)', true),
      column('checksum', 'character varying(64)', true),
      column('finished_at', 'timestamp with time zone', false),
      column('migration_name', 'character varying(255)', true),
      column('logs', 'text', false),
      column('rolled_back_at', 'timestamp with time zone', false),
      column('started_at', 'timestamp with time zone', true, 'now()'),
      column('applied_steps_count', 'integer', true, '0'),
    ]);
    expect(database.indexes.filter((index) => index.table === MIGRATIONS_TABLE)).toEqual([
      expect.objectContaining({ name: '_prisma_migrations_pkey', primary: true, columns: ['id'] }),
    ]);

    const rows = await migrationRows(url);
    const expected = await Promise.all(
      migrationNames.map(async (name) => ({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        migration_name: name,
        checksum: sha256(await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'))),
        started_at: expect.any(Date),
        finished_at: expect.any(Date),
        rolled_back_at: null,
        logs: null,
        applied_steps_count: 1,
      })),
    );
    expect(rows).toEqual(expected);
  });

  test('a second run applies nothing', async () => {
    const url = await freshDatabase();

    const first = await migrate(url, { migrationsDir: MIGRATIONS_DIR });
    const second = await migrate(url, { migrationsDir: MIGRATIONS_DIR });

    expect(first.applied).toEqual(migrationNames);
    expect(second.applied).toEqual([]);
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual(migrationNames);
  });

  test('two runs started together on a fresh database both succeed and apply each migration once', async () => {
    const url = await freshDatabase();
    // Hold Prisma's lock until both runs wait on it, so they really contend for it.
    const holder = await connect(url);
    await holder.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK_KEY})`);
    const logs: string[][] = [[], []];
    const runs = Promise.all(
      logs.map((lines) => migrate(url, { migrationsDir: MIGRATIONS_DIR, log: (line) => lines.push(line) })),
    );
    runs.catch(() => {}); // awaited below; keeps an early failure from surfacing as unhandled meanwhile

    try {
      await waitUntil(async () => (await lockWaiters(holder)) === 2, 'both runs wait for the migration lock');
    } finally {
      await holder.end(); // closing the session releases the lock
    }
    const results = await runs;

    expect(logs.map((lines) => lines[0])).toEqual([
      'waiting for another migration run to finish',
      'waiting for another migration run to finish',
    ]);
    expect(results.map((result) => result.applied).sort((a, b) => b.length - a.length)).toEqual([migrationNames, []]);
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual(migrationNames);
  });

  test('refuses to run when an applied migration file was changed afterwards', async () => {
    const url = await freshDatabase();
    await migrate(url, { migrationsDir: MIGRATIONS_DIR });
    const first = migrationNames[0]!;
    await withClient(url, (client) =>
      client.query(`UPDATE ${MIGRATIONS_TABLE} SET checksum = $1 WHERE migration_name = $2`, [
        sha256('-- the script as it was applied'),
        first,
      ]),
    );

    await expect(migrate(url, { migrationsDir: MIGRATIONS_DIR })).rejects.toThrow(
      `migration ${first} was modified after it was applied`,
    );
  });

  test('refuses to run while a migration is recorded as failed', async () => {
    const url = await freshDatabase();
    await migrate(url, { migrationsDir: MIGRATIONS_DIR });
    const first = migrationNames[0]!;
    await withClient(url, (client) =>
      client.query(
        `UPDATE ${MIGRATIONS_TABLE} SET finished_at = NULL, logs = 'syntax error' WHERE migration_name = $1`,
        [first],
      ),
    );

    await expect(migrate(url, { migrationsDir: MIGRATIONS_DIR })).rejects.toThrow(
      new RegExp(`found failed migrations in the database[^]*${first} \\(started [^)]+\\): syntax error`),
    );
  });

  test('rolls back a failing migration and leaves no record of it', async () => {
    const url = await freshDatabase();
    const migrationsDir = path.join(workDir, 'migrations-with-a-broken-one');
    await cp(MIGRATIONS_DIR, migrationsDir, { recursive: true });
    await mkdir(path.join(migrationsDir, '99991231000000_broken'));
    await writeFile(
      path.join(migrationsDir, '99991231000000_broken', 'migration.sql'),
      'CREATE TABLE "broken_probe" ("id" INTEGER NOT NULL);\nSELECT 1 / 0;\n',
    );

    await expect(migrate(url, { migrationsDir })).rejects.toThrow(
      'migration 99991231000000_broken failed and was rolled back: division by zero',
    );

    const leftover = await withClient(url, (client) => client.query(`SELECT to_regclass('broken_probe') AS found`));
    expect(leftover.rows[0].found).toBeNull();
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual(migrationNames);
  });

  test('refuses a database that has tables but no migration history', async () => {
    const url = await freshDatabase();
    await withClient(url, (client) => client.query('CREATE TABLE "someone_elses" ("id" INTEGER)'));

    await expect(migrate(url, { migrationsDir: MIGRATIONS_DIR })).rejects.toThrow(
      'the database already has tables (someone_elses) but no _prisma_migrations table',
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// schema.prisma, as Prisma itself parses it

/** The parts of Prisma's DMMF datamodel this file reads. */
interface Datamodel {
  models: DmmfModel[];
  enums: DmmfEnum[];
  indexes: DmmfIndex[];
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  schema?: string | null;
  fields: DmmfField[];
}
interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: 'scalar' | 'object' | 'enum' | 'unsupported';
  type: string;
  isList: boolean;
  isRequired: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}
interface DmmfEnum {
  name: string;
  dbName?: string | null;
  values: { name: string; dbName?: string | null }[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: 'asc' | 'desc' }[];
}

// `prisma generate` parses the schema with Prisma's own parser and hands the DMMF to every generator over its
// JSON-RPC protocol; a throwaway generator writes the datamodel to a file. This uses only the installed CLI and the
// stable generator protocol, with no engine binary and no private import.
const DMMF_GENERATOR = `
const fs = require('node:fs');
const readline = require('node:readline');
const reply = (id, result) => process.stderr.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\\n');
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, method, params } = JSON.parse(line);
  if (method === 'getManifest') reply(id, { manifest: { prettyName: 'DMMF dump', requiresEngines: [] } });
  if (method === 'generate') {
    fs.writeFileSync(params.generator.output.value, JSON.stringify(params.dmmf.datamodel));
    reply(id, null);
  }
});
`;

async function loadDatamodel(schemaText: string): Promise<Datamodel> {
  const dir = await mkdtemp(path.join(tmpdir(), 'yearly-greetings-dmmf-'));
  try {
    const generator = path.join(dir, 'dmmf-generator.cjs');
    const placeholderEngine = path.join(dir, 'no-schema-engine');
    await writeFile(generator, DMMF_GENERATOR);
    await writeFile(placeholderEngine, '');
    await writeFile(
      path.join(dir, 'schema.prisma'),
      `${schemaText}\ngenerator dmmf {\n  provider = "node ${generator}"\n  output   = "./dmmf.json"\n}\n`,
    );
    const cli = path.join(path.dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
    // Only our generator runs (the client's output path would be relative to this temporary copy).
    await promisify(execFile)(process.execPath, [cli, 'generate', '--schema', 'schema.prisma', '--generator', 'dmmf'], {
      cwd: dir,
      env: {
        ...process.env,
        // generate needs no schema engine, but the CLI downloads one at start-up unless it is given a path.
        PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? placeholderEngine,
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`prisma generate could not read the schema:\n${error.stderr || error.stdout || error.message}`);
    });
    return JSON.parse(await readFile(path.join(dir, 'dmmf.json'), 'utf8')) as Datamodel;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One shape for both sides: what Prisma would create for the datamodel, and what Postgres holds

interface SchemaShape {
  tables: string[];
  columns: ColumnShape[];
  indexes: IndexShape[];
  foreignKeys: ForeignKeyShape[];
  enums: { name: string; values: string[] }[];
}
interface ColumnShape {
  table: string;
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
}
interface IndexShape {
  table: string;
  name: string;
  primary: boolean;
  unique: boolean;
  method: string;
  columns: string[];
  partial: boolean;
}
interface ForeignKeyShape {
  table: string;
  name: string;
  columns: string[];
  referencedTable: string;
  referencedColumns: string[];
  onDelete: string;
  onUpdate: string;
}

/** What `prisma migrate dev` would create on Postgres for this datamodel (default schema only). */
function expectedSchema(model: Datamodel): SchemaShape {
  const modelByName = new Map(model.models.map((m) => [m.name, m]));
  const enumByName = new Map(model.enums.map((e) => [e.name, e]));
  const tableOf = (name: string) => {
    const m = modelByName.get(name)!;
    return m.dbName ?? m.name;
  };
  const columnOf = (modelName: string, fieldName: string) => {
    const field = modelByName.get(modelName)!.fields.find((f) => f.name === fieldName)!;
    return field.dbName ?? field.name;
  };
  const shape: SchemaShape = { tables: [], columns: [], indexes: [], foreignKeys: [], enums: [] };

  for (const m of model.models) {
    if (m.schema) throw new Error(`model ${m.name}: multiSchema is not covered by this test yet`);
    const table = tableOf(m.name);
    shape.tables.push(table);
    for (const field of m.fields) {
      if (field.kind === 'unsupported') throw new Error(`${m.name}.${field.name}: Unsupported() types are not covered`);
      if (field.kind === 'object') {
        const from = field.relationFromFields ?? [];
        if (from.length === 0) {
          const other = modelByName.get(field.type)!.fields.find((f) => f.type === m.name && f.kind === 'object');
          if (field.isList && other?.isList) {
            throw new Error(`${m.name}.${field.name}: implicit m:n relations are not covered by this test yet`);
          }
          continue;
        }
        const columns = from.map((f) => columnOf(m.name, f));
        const required = from.every((f) => m.fields.find((x) => x.name === f)!.isRequired);
        shape.foreignKeys.push({
          table,
          // The DMMF does not expose a relation's `map:`, so only Prisma's default name is checked.
          name: prismaConstraintName(table, columns, '_fkey'),
          columns,
          referencedTable: tableOf(field.type),
          referencedColumns: (field.relationToFields ?? []).map((f) => columnOf(field.type, f)),
          // Prisma's referential-action defaults.
          onDelete: field.relationOnDelete ?? (required ? 'Restrict' : 'SetNull'),
          onUpdate: field.relationOnUpdate ?? 'Cascade',
        });
        continue;
      }
      const column = field.dbName ?? field.name;
      shape.columns.push({
        table,
        name: column,
        type: expectedColumnType(field, enumByName),
        notNull: field.isRequired,
        default: expectedDefault(field, table, column, enumByName),
      });
    }
  }

  for (const index of model.indexes) {
    if (index.type === 'fulltext') throw new Error(`${index.model}: fulltext indexes do not exist on Postgres`);
    const table = tableOf(index.model);
    const columns = index.fields.map((f) => columnOf(index.model, f.name));
    const suffix = { id: '_pkey', unique: '_key', normal: '_idx' }[index.type];
    shape.indexes.push({
      table,
      name: index.dbName ?? prismaConstraintName(table, index.type === 'id' ? [] : columns, suffix),
      primary: index.type === 'id',
      unique: index.type !== 'normal',
      method: (index.algorithm ?? 'BTree').toLowerCase(),
      columns: index.fields.map((f, i) => columns[i] + (f.sortOrder === 'desc' ? ' DESC' : '')),
      partial: false,
    });
  }

  for (const e of model.enums) {
    shape.enums.push({ name: e.dbName ?? e.name, values: e.values.map((v) => v.dbName ?? v.name) });
  }
  return shape;
}

/** Prisma's default constraint and index names: `{table}_{columns}{suffix}`, cut to Postgres' 63 bytes. */
function prismaConstraintName(table: string, columns: string[], suffix: string): string {
  const base = [table, ...columns].join('_');
  const room = 63 - suffix.length;
  return (base.length >= room ? base.slice(0, room) : base) + suffix;
}

// Column types as Postgres' format_type() prints them.
const SCALAR_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric(65,30)',
  Boolean: 'boolean',
  DateTime: 'timestamp(3) without time zone',
  Json: 'jsonb',
  Bytes: 'bytea',
};

function expectedColumnType(field: DmmfField, enums: Map<string, DmmfEnum>): string {
  let type: string | undefined;
  if (field.kind === 'enum') {
    const e = enums.get(field.type)!;
    type = e.dbName ?? e.name;
  } else if (field.nativeType) {
    type = nativeType(field.nativeType);
  } else {
    type = SCALAR_TYPES[field.type];
  }
  if (!type) throw new Error(`${field.name}: type ${field.type} is not covered by this test yet`);
  return field.isList ? `${type}[]` : type;
}

function nativeType([name, args]: [string, string[]]): string {
  const size = args.length > 0 ? `(${args.join(',')})` : '';
  const simple: Record<string, string> = {
    Text: 'text',
    Uuid: 'uuid',
    Date: 'date',
    Integer: 'integer',
    SmallInt: 'smallint',
    BigInt: 'bigint',
    DoublePrecision: 'double precision',
    Real: 'real',
    Boolean: 'boolean',
    Money: 'money',
    Json: 'json',
    JsonB: 'jsonb',
    ByteA: 'bytea',
    Inet: 'inet',
    Citext: 'citext',
    Xml: 'xml',
    Oid: 'oid',
  };
  if (simple[name]) return simple[name];
  switch (name) {
    case 'VarChar':
      return `character varying${size}`;
    case 'Char':
      return `character${size}`;
    case 'Decimal':
      return `numeric${size}`;
    case 'Timestamp':
      return `timestamp${size} without time zone`;
    case 'Timestamptz':
      return `timestamp${size} with time zone`;
    case 'Time':
      return `time${size} without time zone`;
    case 'Timetz':
      return `time${size} with time zone`;
    case 'Bit':
      return `bit${size}`;
    case 'VarBit':
      return `bit varying${size}`;
    default:
      throw new Error(`@db.${name} is not covered by this test yet`);
  }
}

/** The column default Postgres should hold, normalised like `normaliseDefault`; null when it has none. */
function expectedDefault(field: DmmfField, table: string, column: string, enums: Map<string, DmmfEnum>) {
  const value = field.default;
  if (value === undefined) return null;
  if (Array.isArray(value)) throw new Error(`${table}.${column}: list defaults are not covered by this test yet`);
  if (typeof value === 'object' && value !== null) {
    const { name, args } = value as { name: string; args: unknown[] };
    switch (name) {
      case 'now':
        return 'CURRENT_TIMESTAMP';
      case 'autoincrement':
        return `nextval('${table}_${column}_seq'::regclass)`;
      case 'dbgenerated':
        return String(args[0]);
      case 'uuid':
      case 'cuid':
      case 'nanoid':
      case 'ulid':
        return null; // generated by Prisma Client, not by the database
      default:
        throw new Error(`${table}.${column}: @default(${name}()) is not covered by this test yet`);
    }
  }
  if (field.kind === 'enum') {
    const enumValue = enums.get(field.type)!.values.find((v) => v.name === value)!;
    return enumValue.dbName ?? enumValue.name;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${table}.${column}: a default of type ${typeof value} is not covered by this test yet`);
}

/** Literals lose quotes and cast (`'pending'::delivery_status` → `pending`); `now()` reads as Prisma writes it. */
function normaliseDefault(expression: string | null): string | null {
  if (expression === null) return null;
  if (expression === 'now()') return 'CURRENT_TIMESTAMP';
  const literal = /^'((?:[^']|'')*)'::[^']+$/.exec(expression);
  return literal ? literal[1]!.replace(/''/g, "'") : expression;
}

// ---------------------------------------------------------------------------------------------------------------
// The database, read from pg_catalog

async function describeDatabase(url: string): Promise<SchemaShape> {
  return withClient(url, async (client) => {
    const inSchema = `n.nspname = current_schema()`;
    const tables = await client.query<{ name: string }>(
      `SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE ${inSchema} AND c.relkind IN ('r', 'p') ORDER BY 1`,
    );
    const columns = await client.query<ColumnShape>(
      `SELECT c.relname::text AS "table", a.attname::text AS name,
              replace(format_type(a.atttypid, a.atttypmod), '"', '') AS type, a.attnotnull AS "notNull",
              pg_get_expr(d.adbin, d.adrelid) AS "default"
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE ${inSchema} AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY c.relname, a.attnum`,
    );
    const indexes = await client.query<IndexShape>(
      `SELECT t.relname::text AS "table", i.relname::text AS name, x.indisprimary AS "primary",
              x.indisunique AS "unique", am.amname::text AS method, x.indpred IS NOT NULL AS partial,
              ARRAY(SELECT coalesce(a.attname::text, '(expression)') || CASE WHEN k.opt & 1 = 1 THEN ' DESC' ELSE '' END
                    FROM unnest(x.indkey::int2[], x.indoption::int2[]) WITH ORDINALITY AS k(attnum, opt, ord)
                    LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
                    WHERE k.ord <= x.indnkeyatts ORDER BY k.ord) AS columns
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace JOIN pg_am am ON am.oid = i.relam
       WHERE ${inSchema} ORDER BY t.relname, i.relname`,
    );
    const foreignKeys = await client.query<ForeignKeyShape>(
      `SELECT t.relname::text AS "table", con.conname::text AS name,
              ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
              r.relname::text AS "referencedTable",
              ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)
                AS "referencedColumns",
              con.confdeltype AS "onDelete", con.confupdtype AS "onUpdate"
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.conrelid JOIN pg_class r ON r.oid = con.confrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE con.contype = 'f' AND ${inSchema} ORDER BY t.relname, con.conname`,
    );
    const enums = await client.query<{ name: string; values: string[] }>(
      `SELECT t.typname::text AS name,
              ARRAY(SELECT e.enumlabel::text FROM pg_enum e
                    WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS "values"
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE t.typtype = 'e' AND ${inSchema} ORDER BY 1`,
    );
    const action: Record<string, string> = {
      a: 'NoAction',
      r: 'Restrict',
      c: 'Cascade',
      n: 'SetNull',
      d: 'SetDefault',
    };
    return {
      tables: tables.rows.map((row) => row.name),
      columns: columns.rows,
      indexes: indexes.rows,
      foreignKeys: foreignKeys.rows.map((fk) => ({
        ...fk,
        onDelete: action[fk.onDelete] ?? fk.onDelete,
        onUpdate: action[fk.onUpdate] ?? fk.onUpdate,
      })),
      enums: enums.rows,
    };
  });
}

/** Every difference between what schema.prisma asks for and what the database has, as readable lines. */
function schemaDrift(expected: SchemaShape, actual: SchemaShape): string[] {
  const ours = (table: string) => table !== MIGRATIONS_TABLE;
  const describe = (shape: SchemaShape): Map<string, string> =>
    new Map([
      ...shape.tables.filter(ours).map((t): [string, string] => [`table ${t}`, '']),
      ...shape.columns
        .filter((c) => ours(c.table))
        .map((c): [string, string] => [
          `column ${c.table}.${c.name}`,
          `${c.type} ${c.notNull ? 'NOT NULL' : 'NULL'}` +
            (normaliseDefault(c.default) === null ? '' : ` DEFAULT ${normaliseDefault(c.default)}`),
        ]),
      ...shape.indexes
        .filter((i) => ours(i.table))
        .map((i): [string, string] => [
          `index ${i.table}.${i.name}`,
          `${i.primary ? 'PRIMARY KEY' : i.unique ? 'UNIQUE' : 'INDEX'} USING ${i.method} ` +
            `(${i.columns.join(', ')})${i.partial ? ' WHERE ...' : ''}`,
        ]),
      ...shape.foreignKeys
        .filter((f) => ours(f.table))
        .map((f): [string, string] => [
          `foreign key ${f.table}.${f.name}`,
          `(${f.columns.join(', ')}) REFERENCES ${f.referencedTable}(${f.referencedColumns.join(', ')}) ` +
            `ON DELETE ${f.onDelete} ON UPDATE ${f.onUpdate}`,
        ]),
      // Order is not compared: Prisma appends a new enum value wherever it sits in the schema.
      ...shape.enums.map((e): [string, string] => [`enum ${e.name}`, [...e.values].sort().join(', ')]),
    ]);
  const want = describe(expected);
  const have = describe(actual);
  const show = (key: string, value: string) => (value ? `${key} (${value})` : key);
  const drift: string[] = [];
  for (const [key, value] of want) {
    const found = have.get(key);
    if (found === undefined) drift.push(`missing from the database: ${show(key, value)}`);
    else if (found !== value) drift.push(`${key}: schema.prisma says ${value}, the database has ${found}`);
  }
  for (const [key, value] of have) {
    if (!want.has(key)) drift.push(`not in schema.prisma: ${show(key, value)}`);
  }
  return drift;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

// embedded-postgres is an ES module, which Jest's CommonJS module registry cannot load on Node 20, so the project's
// startEmbeddedPostgres runs in a child process. Closing its stdin stops it, and so does this process dying.
const POSTGRES_CHILD = `
import { startEmbeddedPostgres } from MODULE;
const [dataDir, port] = process.argv.slice(2);
startEmbeddedPostgres({ dataDir, port: Number(port), persistent: false }).then(
  (postgres) => {
    console.log(JSON.stringify({ url: postgres.url }));
    process.stdin.on('end', () => void postgres.stop().finally(() => process.exit(0)));
    process.stdin.resume();
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
`;

/** A real Postgres of this test file's own, on a free port, with its data under `dir`. */
async function startPostgres(dir: string): Promise<RunningPostgres> {
  const script = path.join(dir, 'start-postgres.ts');
  const module = JSON.stringify(path.join(ROOT, 'scripts', 'dev', 'embedded-postgres'));
  await writeFile(script, POSTGRES_CHILD.replace('MODULE', module));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, path.join(dir, 'postgres'), String(await freePort())],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = await Promise.race([
    new Promise<string>((resolve) =>
      createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line).url)),
    ),
    exited.then((code) => Promise.reject(new Error(`embedded Postgres exited (code ${code}) before it was ready`))),
  ]);
  return {
    url,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

let databaseCount = 0;

/** An empty database of its own in the test's Postgres. */
async function freshDatabase(): Promise<string> {
  const name = `migrations_test_${++databaseCount}`;
  await withClient(postgres.url, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(postgres.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = await connect(url);
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

async function migrationRows(url: string) {
  const result = await withClient(url, (client) =>
    client.query(
      `SELECT id, migration_name, checksum, started_at, finished_at, rolled_back_at, logs, applied_steps_count
       FROM ${MIGRATIONS_TABLE} ORDER BY migration_name`,
    ),
  );
  return result.rows as { migration_name: string }[];
}

async function lockWaiters(client: Client): Promise<number> {
  const result = await client.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_locks
     WHERE locktype = 'advisory' AND objid = $1 AND NOT granted
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [PRISMA_MIGRATE_LOCK_KEY],
  );
  return result.rows[0]!.waiting;
}

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function readDirNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
}

function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

function insertAfterLine(text: string, line: string, insertion: string): string {
  const at = text.indexOf(`${line}\n`);
  if (at < 0) throw new Error(`schema.prisma has no line "${line}"`);
  const end = at + line.length + 1;
  return `${text.slice(0, end)}${insertion}\n${text.slice(end)}`;
}
