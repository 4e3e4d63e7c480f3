// Accounts for the tests, made the way an operator makes them: `waymark user add`.
import { execFileSync } from 'node:child_process';

import { LA_CODE, databaseUrl, waymarkBin } from './server';

/** One of the roles `waymark user add --role` accepts. */
export type Role =
  | 'caseworker'
  | 'manager'
  | 'admin'
  | 'professional'
  | 'parent'
  | 'viewer'
  | 'scrutiny';

/** An account a test can sign in with. */
export interface TestUser {
  email: string;
  password: string;
  role: Role;
  name: string;
}

/**
 * Adds an account in the demo LA (990) with this password (at least 12 characters, which
 * `waymark user add --password-stdin` insists on). Emails must be unique across the run:
 * include the test's project name (see `uniqueEmail`) when a test runs at several widths.
 * The name is made from the email unless given (a test whose pages end up in screenshots
 * gives people's names).
 */
export function createUser(role: Role, email: string, password: string, name?: string): TestUser {
  name ??= `Test ${role} ${email.split('@')[0]}`;
  const args = ['user', 'add', '--email', email, '--name', name, '--role', role, '--la', LA_CODE];
  if (role === 'professional') args.push('--organisation', 'Riverside Primary School');
  args.push('--password-stdin', '--database', databaseUrl());
  try {
    execFileSync(waymarkBin(), args, { input: `${password}\n`, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; status?: number };
    throw new Error(
      `waymark user add ${email} (${role}) failed with status ${e.status}: ${e.stderr?.toString().trim()}`,
    );
  }
  return { email, password, role, name };
}

/** An email address no other test in this run uses: `<who>.<project>.<pid>.<n>@e2e.northby.example`. */
export function uniqueEmail(who: string, project: string): string {
  counter += 1;
  return `${who}.${project}.${process.pid}.${counter}@e2e.northby.example`;
}
let counter = 0;
