import { readFileSync } from 'node:fs';
import path from 'node:path';
import { API_ERROR_CODES } from '../../src/api/error-codes';

// The README's table of error codes is what integrators read: it lists exactly the codes the API can send.
test("the README's table of error codes is the API's list of codes", () => {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  const readmeCodes = [...readme.matchAll(/^\| `([a-z_]+)` \| \d{3} \|/gm)].map((match) => match[1]);
  expect(readmeCodes.length).toBeGreaterThan(10);
  expect(readmeCodes.sort()).toEqual(Object.keys(API_ERROR_CODES).sort());
});
