import { readFileSync } from 'node:fs';
import path from 'node:path';
import { API_ERROR_CODES } from '../../src/api/error-codes';

// The table of error codes in docs/api.md is what integrators read: it lists exactly the codes the API can send.
test("docs/api.md's table of error codes is the API's list of codes", () => {
  const page = readFileSync(path.join(__dirname, '../../docs/api.md'), 'utf8');
  const documentedCodes = [...page.matchAll(/^\| `([a-z_]+)` \| \d{3} \|/gm)].map((match) => match[1]);
  expect(documentedCodes.length).toBeGreaterThan(10);
  expect(documentedCodes.sort()).toEqual(Object.keys(API_ERROR_CODES).sort());
});
