// Where the server under test is and which local authority it serves. The values the
// global setup works out at run time (its URL, its database) are in the environment.
import path from 'node:path';

/** The demo's local authority: `waymark demo` creates LA 990 with this name. */
export const LA_CODE = '990';
export const LA_NAME = 'Northby Council';

/** The `waymark` binary under test: $WAYMARK_BIN, or the workspace's debug build. */
export function waymarkBin(): string {
  return process.env.WAYMARK_BIN ?? path.resolve(__dirname, '..', '..', 'target', 'debug', 'waymark');
}

/** The test database's URL, set by global-setup.ts. */
export function databaseUrl(): string {
  const url = process.env.WAYMARK_E2E_DATABASE;
  if (!url) throw new Error('WAYMARK_E2E_DATABASE is not set: run the tests with `npx playwright test` from e2e/');
  return url;
}
