import { DateTime } from 'luxon';
import { z } from 'zod';
import { validationError } from '../../src/api/errors';
import { createUserBodySchema, userBodySchema } from '../../src/api/schemas';

// 10:30 UTC on 2026-11-23: already Nov 24 in Kiritimati (UTC+14), still Nov 22 in Pago Pago (UTC-11).
const NOW_MS = Date.parse('2026-11-23T10:30:00Z');
const schema = createUserBodySchema(() => NOW_MS);

const ada = { firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10', timezone: 'Europe/London' };

/** The error details the API answers with: one `{ path, message }` per problem. */
function problems(body: unknown, parse = schema) {
  const result = parse.safeParse(body);
  return result.success ? [] : validationError(result.error).details;
}

function expectRefusedOn(body: unknown, path: string) {
  expect(problems(body)).toContainEqual({ path, message: expect.any(String) });
}

function parsed(body: unknown) {
  const result = schema.safeParse(body);
  expect(result.error?.issues).toBeUndefined();
  return result.data!;
}

describe('userBodySchema: names', () => {
  test.each([
    'Ada',
    'José',
    'Zoë',
    "O'Brien",
    'Anne-Marie',
    'Nguyễn',
    'Σωκράτης',
    '李',
    'd’Artagnan',
    'Mary Ann',
    'Åsa-Britt',
    'Þórunn',
    'Łucja',
    'Ñuñoa',
    'Мария',
    'محمد',
    'דוד',
    'हिन्दी',
    'さくら',
    '김민준',
    'x'.repeat(100),
    // A name is what the person says it is: digits, dots, commas, any symbol.
    'Martin Luther King Jr.',
    'St. John',
    'Smith, Jr',
    'Jennifer 8. Lee',
    'Ada!',
    '<script>',
    'Ada 😀',
    '‘Ada’',
    'Ada_Marie',
    '1234',
    '-',
    // Zero-width joiners and non-joiners spell words in Persian and Indic scripts.
    'Ada\u200dMarie',
    'می\u200cخواهم',
  ])('accepts %j', (firstName) => {
    expect(parsed({ ...ada, firstName, lastName: firstName })).toMatchObject({ firstName, lastName: firstName });
  });

  test.each([
    ['a tab inside', 'Ada\tMarie'],
    ['a line break inside', 'Ada\nMarie'],
    ['a NUL character', 'Ada\u0000'],
    ['DEL', 'Ada\u007f'],
    ['a C1 control (NEL)', 'Ada\u0085Marie'],
    ['a lone high surrogate', 'Ada\ud800'],
    ['a lone low surrogate', '\udc00Ada'],
    ['blank', '   '],
    ['only no-break and ideographic spaces', '\u00a0\u3000'],
    ['empty', ''],
    ['101 characters', 'x'.repeat(101)],
  ])('refuses %s', (_label, name) => {
    expectRefusedOn({ ...ada, firstName: name }, 'firstName');
    expectRefusedOn({ ...ada, lastName: name }, 'lastName');
  });

  test('refuses a name that is not a string', () => {
    expectRefusedOn({ ...ada, firstName: 42 }, 'firstName');
    expectRefusedOn({ ...ada, lastName: null }, 'lastName');
  });

  test('trims the name and stores it in NFC', () => {
    const decomposed = ' Zoe\u0308 Nguye\u0302\u0303n ';
    expect(parsed({ ...ada, firstName: decomposed }).firstName).toBe('Zo\u00eb Nguy\u1ec5n');
  });

  test('counts the length in code points, after NFC, as the VARCHAR(100) column does', () => {
    // Outside the Basic Multilingual Plane: two UTF-16 units, one code point each.
    expect(parsed({ ...ada, firstName: '𠜎'.repeat(100) }).firstName).toHaveLength(200);
    expectRefusedOn({ ...ada, firstName: '𠜎'.repeat(101) }, 'firstName');
    // e + combining acute becomes one code point (é) under NFC.
    expect(parsed({ ...ada, firstName: 'e\u0301'.repeat(100) }).firstName).toBe('é'.repeat(100));
    // q + combining dot above has no precomposed form: two code points per user-perceived character.
    expect(parsed({ ...ada, firstName: 'q\u0307'.repeat(50) }).firstName).toHaveLength(100);
    expectRefusedOn({ ...ada, firstName: `${'q\u0307'.repeat(50)}q` }, 'firstName');
  });

  test('judges the name as sent, as the OpenAPI pattern does: a control character at an edge is refused too', () => {
    expectRefusedOn({ ...ada, firstName: '\tAda' }, 'firstName');
    expectRefusedOn({ ...ada, firstName: 'Ada\n' }, 'firstName');
    expect(parsed({ ...ada, firstName: '\u00a0Ada\u3000' }).firstName).toBe('Ada');
  });

  test('a bad name is reported once, with a message that says what is wrong', () => {
    expect(problems({ ...ada, firstName: 'Ada\tMarie' })).toEqual([
      { path: 'firstName', message: 'must not hold control characters (tabs, line breaks, ...)' },
    ]);
    expect(problems({ ...ada, lastName: '   ' })).toEqual([{ path: 'lastName', message: 'must not be empty' }]);
  });
});

describe('userBodySchema: birthday', () => {
  test.each([
    ['the earliest date', '1900-01-01', 'Europe/London'],
    ['Feb 29 of a leap year', '2024-02-29', 'Europe/London'],
    ['Feb 29 of 2000 (divisible by 400)', '2000-02-29', 'UTC'],
    ['today in London', '2026-11-23', 'Europe/London'],
    ['Nov 24, today in Kiritimati (UTC+14)', '2026-11-24', 'Pacific/Kiritimati'],
    ['Nov 22, today in Pago Pago (UTC-11)', '2026-11-22', 'Pacific/Pago_Pago'],
  ])('accepts %s', (_label, birthday, timezone) => {
    expect(parsed({ ...ada, birthday, timezone })).toMatchObject({ birthday, timezone });
  });

  test.each([
    ['a day before 1900', '1899-12-31'],
    ['Ada Lovelace’s real birthday', '1815-12-10'],
    ['Feb 29 of a common year', '2023-02-29'],
    ['Feb 29 of 1900 (a century, not divisible by 400)', '1900-02-29'],
    ['Apr 31', '1990-04-31'],
    ['month 13', '1990-13-01'],
    ['month 00', '1990-00-10'],
    ['day 00', '1990-01-00'],
    ['no zero padding', '1990-1-1'],
    ['no dashes', '19900101'],
    ['day first', '10/12/1990'],
    ['a date-time', '1990-01-01T00:00:00Z'],
    ['surrounding spaces', ' 1990-01-01 '],
    ['a five-digit year', '19900-01-01'],
    ['empty', ''],
  ])('refuses %s', (_label, birthday) => {
    expectRefusedOn({ ...ada, birthday }, 'birthday');
  });

  test.each([
    ['tomorrow in London', '2026-11-24', 'Europe/London'],
    ['Nov 23 in Pago Pago, where it is still Nov 22', '2026-11-23', 'Pacific/Pago_Pago'],
    ['Nov 25 even in Kiritimati', '2026-11-25', 'Pacific/Kiritimati'],
    ['next year', '2027-01-01', 'UTC'],
  ])('refuses a date in the future: %s', (_label, birthday, timezone) => {
    expect(problems({ ...ada, birthday, timezone })).toEqual([
      { path: 'birthday', message: expect.stringMatching(/^must not be in the future/) },
    ]);
  });

  test('with no valid zone, the birthday may be today anywhere on Earth (UTC+14) but not later', () => {
    for (const timezone of ['Europe/Atlantis', undefined]) {
      expect(problems({ ...ada, birthday: '2026-11-24', timezone }).map((problem) => problem.path)).toEqual([
        'timezone',
      ]);
      expect(problems({ ...ada, birthday: '2026-11-25', timezone }).map((problem) => problem.path)).toEqual([
        'timezone',
        'birthday',
      ]);
    }
  });

  test('reads the clock at each parse, not when the schema is made', () => {
    let nowMs = Date.parse('2026-11-23T23:59:59.999Z');
    const ticking = createUserBodySchema(() => nowMs);
    const body = { ...ada, birthday: '2026-11-24', timezone: 'UTC' };
    expect(ticking.safeParse(body).success).toBe(false);
    nowMs += 1;
    expect(ticking.safeParse(body).success).toBe(true);
  });

  test('the API’s schema uses the real clock', () => {
    const tomorrowEverywhere = DateTime.now().setZone('UTC+14').plus({ days: 1 }).toISODate()!;
    expect(problems({ ...ada, birthday: tomorrowEverywhere, timezone: 'Pacific/Kiritimati' }, userBodySchema)).toEqual([
      { path: 'birthday', message: expect.stringMatching(/^must not be in the future/) },
    ]);
    expect(userBodySchema.safeParse({ ...ada, birthday: '1990-12-10' }).success).toBe(true);
  });
});

describe('userBodySchema: anniversary', () => {
  test.each([
    ['left out', {}, undefined],
    ['null', { anniversary: null }, null],
    ['a date', { anniversary: '2015-06-20' }, '2015-06-20'],
    ['Feb 29 of a leap year', { anniversary: '2012-02-29' }, '2012-02-29'],
  ])('accepts one %s', (_label, field, expected) => {
    expect(parsed({ ...ada, ...field }).anniversary).toBe(expected);
  });

  test.each([
    ['Feb 29 of a common year', '2023-02-29'],
    ['day first', '20/06/2015'],
    ['before 1900', '1899-12-31'],
    ['a number', 20150620],
  ])('refuses %s, naming the field', (_label, anniversary) => {
    expectRefusedOn({ ...ada, anniversary }, 'anniversary');
  });

  test('refuses a date in the future where the person lives, like the birthday, both named at once', () => {
    expect(problems({ ...ada, birthday: '2027-01-01', anniversary: '2026-11-24' })).toEqual([
      { path: 'birthday', message: expect.stringMatching(/^must not be in the future/) },
      { path: 'anniversary', message: expect.stringMatching(/^must not be in the future/) },
    ]);
  });
});

describe('the documented birthday pattern', () => {
  test('allows no date the API refuses as in the future, in any zone', () => {
    const documented = z.toJSONSchema(userBodySchema, { io: 'input' }) as any;
    const pattern = new RegExp(documented.$defs.UserBody.properties.birthday.pattern);
    const lastAllowed = DateTime.now().setZone('UTC-12').toISODate()!;
    const tomorrowThere = DateTime.now().setZone('UTC-12').plus({ days: 1 }).toISODate()!;
    expect(pattern.test(lastAllowed)).toBe(true);
    expect(pattern.test(tomorrowThere)).toBe(false);
    expect(pattern.test('1899-12-31')).toBe(false);
    for (const timezone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Etc/GMT+12', 'Europe/London']) {
      expect(userBodySchema.safeParse({ ...ada, birthday: lastAllowed, timezone }).success).toBe(true);
    }
  });
});

describe('userBodySchema: email', () => {
  const domain = '@example.com';
  const longest = `${'a'.repeat(254 - domain.length)}${domain}`;

  test.each([
    ['a plain address', 'ada@example.com', 'ada@example.com'],
    ['surrounding spaces, trimmed', '  ada@example.com\t', 'ada@example.com'],
    ['capitals, kept as given', 'Ada.Lovelace@Example.COM', 'Ada.Lovelace@Example.COM'],
    ['a plus tag and a subdomain', 'ada+birthday@mail.example.co.uk', 'ada+birthday@mail.example.co.uk'],
    // HTML's definition, which JSON Schema's `email` format generators follow.
    ['no top-level domain', 'ada@localhost', 'ada@localhost'],
    [
      'the other printable characters of a local part',
      "a!#$%&'*/=?^_`{|}~-@example.com",
      "a!#$%&'*/=?^_`{|}~-@example.com",
    ],
    [
      'an internationalised top-level domain',
      'ada@example.xn--vermgensberater-ctb',
      'ada@example.xn--vermgensberater-ctb',
    ],
    ['exactly 254 characters', longest, longest],
    ['null', null, null],
  ])('accepts %s', (_label, email, stored) => {
    expect(parsed({ ...ada, email }).email).toBe(stored);
  });

  test('is optional', () => {
    expect(parsed(ada)).not.toHaveProperty('email');
  });

  test.each([
    ['no @', 'not-an-email'],
    ['no domain', 'ada@'],
    ['no local part', '@example.com'],
    ['a space inside', 'ada lovelace@example.com'],
    ['two @', 'ada@lovelace@example.com'],
    ['a label starting with a hyphen', 'ada@-example.com'],
    ['non-ASCII (no SMTPUTF8)', 'adá@example.com'],
    ['blank', '   '],
    ['255 characters', `a${longest}`],
    ['not a string', 42],
  ])('refuses %s', (_label, email) => {
    expectRefusedOn({ ...ada, email }, 'email');
  });
});

describe('userBodySchema: timezone', () => {
  test.each([
    ['an IANA zone', 'Europe/London', 'Europe/London'],
    ['one in lower case, stored as IANA spells it', 'europe/london', 'Europe/London'],
    ['one in upper case', 'AMERICA/ARGENTINA/BUENOS_AIRES', 'America/Argentina/Buenos_Aires'],
    ['a Link, kept as given', 'US/Pacific', 'US/Pacific'],
    ['a Link IANA keeps for an old spelling', 'asia/calcutta', 'Asia/Calcutta'],
    ['the name IANA prefers where ICU keeps the old one', 'Asia/Kolkata', 'Asia/Kolkata'],
    ['UTC', 'utc', 'UTC'],
    ['a fixed offset zone of the Etc area', 'Etc/GMT+5', 'Etc/GMT+5'],
  ])('accepts %s', (_label, timezone, stored) => {
    expect(parsed({ ...ada, timezone }).timezone).toBe(stored);
  });

  test.each([
    ['an ICU-only name', 'SystemV/AST4'],
    ['a name IANA removed', 'US/Pacific-New'],
    ['a UTC offset, which Intl takes since ES2024', '+01:00'],
    ['a name with a space', 'Europe/ London'],
    ['Factory, which is no place', 'Factory'],
    ['an unknown name', 'Mars/Olympus'],
    ['empty', ''],
  ])('refuses %s', (_label, timezone) => {
    expectRefusedOn({ ...ada, timezone }, 'timezone');
  });
});

describe('userBodySchema: errors name the field', () => {
  test('every problem is named at once, each with its own field, the future birthday included', () => {
    const paths = problems({
      firstName: 'Ada\u0000',
      lastName: '',
      birthday: '2999-01-01',
      timezone: 'Mars/Olympus',
      email: 'nope',
    }).map((problem) => problem.path);
    expect(paths.sort()).toEqual(['birthday', 'email', 'firstName', 'lastName', 'timezone']);
  });

  test('a birthday that is malformed is not also reported as being in the future', () => {
    expect(problems({ ...ada, birthday: '2999-02-30' })).toEqual([
      { path: 'birthday', message: 'not a real calendar date' },
    ]);
  });

  test.each([
    ['null', null],
    ['an array', [ada]],
    ['a string', 'Ada'],
    ['a number', 3],
  ])('a body that is %s is refused once, as not an object', (_label, body) => {
    expect(problems(body)).toEqual([{ path: '', message: expect.stringContaining('expected object') }]);
  });

  test('a missing field is named', () => {
    const { birthday: _birthday, ...withoutBirthday } = ada;
    expect(problems(withoutBirthday)).toEqual([{ path: 'birthday', message: expect.any(String) }]);
  });
});
