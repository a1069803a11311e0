import { fileRows, formatOf } from '../../src/bulk/file-rows';

// Reading an import file: a CSV whose header names the API's fields, or NDJSON; each row with the line it starts on,
// whatever quoting, line breaks in cells, CRLF, a byte order mark or blank lines the file has.

const csv = (text: string) => fileRows(Buffer.from(text, 'utf8'), 'csv');

test('maps each header name to the field of that name, whatever the order, and leaves empty cells out', () => {
  expect(csv('timezone,firstName,email,lastName,birthday\nEurope/Paris,Ada,,Lovelace,1990-12-10\n')).toEqual([
    { line: 2, body: { timezone: 'Europe/Paris', firstName: 'Ada', lastName: 'Lovelace', birthday: '1990-12-10' } },
  ]);
});

test('a column the API does not know yet is passed on as it is, for the API to judge', () => {
  expect(csv('firstName,anniversary\nAda,2015-06-01\n')).toEqual([
    { line: 2, body: { firstName: 'Ada', anniversary: '2015-06-01' } },
  ]);
});

test('quoted cells keep commas, doubled quotes, line breaks and UTF-8; CRLF ends a row', () => {
  const text =
    '\ufefffirstName,lastName,email\r\n' +
    '"Zoë, the First","O""Brien",zoe@example.com\r\n' +
    '"Ünal\r\nSecond line",Şahin,u@example.com\r\n' +
    '明,李,ming@example.com\r\n';
  expect(csv(text)).toEqual([
    { line: 2, body: { firstName: 'Zoë, the First', lastName: 'O"Brien', email: 'zoe@example.com' } },
    { line: 3, body: { firstName: 'Ünal\r\nSecond line', lastName: 'Şahin', email: 'u@example.com' } },
    { line: 5, body: { firstName: '明', lastName: '李', email: 'ming@example.com' } },
  ]);
});

test('a row starts on its own line after blank lines and multi-line cells', () => {
  const rows = csv('firstName,lastName\n\nA,"x\ny\nz"\n\n\nB,b\n');
  expect(rows.map((row) => row.line)).toEqual([3, 8]);
});

test('a row with more or fewer cells than the header is refused with its line, not guessed at', () => {
  expect(csv('firstName,lastName\nAda\nBob,B,extra\nCy,C\n')).toEqual([
    { line: 2, refusal: { code: 'validation_failed', message: 'the row has 1 cells, the header 2', details: [] } },
    { line: 3, refusal: { code: 'validation_failed', message: 'the row has 3 cells, the header 2', details: [] } },
    { line: 4, body: { firstName: 'Cy', lastName: 'C' } },
  ]);
});

test('a file with only a header, or empty, has no rows', () => {
  expect(csv('firstName,lastName\n')).toEqual([]);
  expect(csv('')).toEqual([]);
});

test('NDJSON: one object a line, blank lines skipped, a line that is no object refused with its line', () => {
  const text = '{"firstName":"Ada"}\r\n\n{"firstName":\n[1]\n{"firstName":"Bob"}';
  expect(fileRows(Buffer.from(text), 'ndjson')).toEqual([
    { line: 1, body: { firstName: 'Ada' } },
    { line: 3, refusal: { code: 'invalid_json', message: 'this line is not valid JSON', details: [] } },
    {
      line: 4,
      refusal: {
        code: 'validation_failed',
        message: 'the body is not valid',
        details: [{ path: '', message: 'expected a user (a JSON object)' }],
      },
    },
    { line: 5, body: { firstName: 'Bob' } },
  ]);
});

test('the format follows the extension: .ndjson and .jsonl are NDJSON, anything else CSV', () => {
  expect(['a.ndjson', 'b.JSONL', 'c.csv', 'd.txt', 'e.json'].map(formatOf)).toEqual([
    'ndjson',
    'ndjson',
    'csv',
    'csv',
    'csv',
  ]);
});
