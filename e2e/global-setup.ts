// Starts the real Waymark server for the browser tests, on a fresh demo database.
//
// It builds nothing: `scripts/test` (or you) builds `target/debug/waymark` first
// (`cargo build -p waymark-cli`); set WAYMARK_BIN to test another binary, such as a release
// build. Steps:
//
// 1. `waymark demo --database sqlite://<tmpdir>/e2e.db [--no-serve]`: the demo LA (990,
//    "Northby Council") with its synthetic cases;
// 2. `waymark serve` on 127.0.0.1 and a free port, logging to <tmpdir>/server.log;
// 3. wait until `/health` answers.
//
// What the tests need is passed on in the environment, which the workers inherit:
// WAYMARK_BASE_URL (the config's baseURL), WAYMARK_E2E_DATABASE and WAYMARK_BIN (for
// support/users.ts). global-teardown.ts stops the server.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { LA_NAME, waymarkBin } from './support/server';

export default async function globalSetup(): Promise<void> {
  const bin = waymarkBin();
  if (!existsSync(bin)) {
    throw new Error(
      `${bin} does not exist: build it first with \`cargo build -p waymark-cli\` ` +
        '(or set WAYMARK_BIN to a waymark binary)',
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'waymark-e2e-'));
  const database = `sqlite://${path.join(dir, 'e2e.db')}`;
  // NO_COLOR: plain text in the log file (tracing-subscriber honours it).
  const env = { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info', NO_COLOR: '1' };

  // Newer builds of `waymark demo` go on to serve the data unless told not to.
  const demoHelp = execFileSync(bin, ['demo', '--help'], { env, encoding: 'utf8' });
  const demoArgs = ['demo', '--database', database];
  if (demoHelp.includes('--no-serve')) demoArgs.push('--no-serve');
  execFileSync(bin, demoArgs, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const logPath = path.join(dir, 'server.log');
  const log = openSync(logPath, 'a');
  const server = spawn(
    bin,
    ['serve', '--database', database, '--bind', `127.0.0.1:${port}`, '--la-name', LA_NAME],
    { env, stdio: ['ignore', log, log] },
  );
  // The teardown stops it; should the runner die without running the teardown, the server
  // must not outlive it.
  server.unref();
  process.on('exit', () => server.kill('SIGTERM'));

  let exited: string | undefined;
  server.on('exit', (code, signal) => {
    exited = `exited (${signal ?? `status ${code}`})`;
  });
  await waitForHealth(baseURL, () => exited, logPath);

  process.env.WAYMARK_BASE_URL = baseURL;
  process.env.WAYMARK_E2E_DATABASE = database;
  process.env.WAYMARK_E2E_DIR = dir;
  process.env.WAYMARK_E2E_SERVER_PID = String(server.pid);
  process.env.WAYMARK_BIN = bin;
  console.log(`Waymark is serving ${baseURL} from ${database} (log: ${logPath})`);
}

/** A port nothing is listening on now (the kernel picks it; we close it straight away). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });
}

async function waitForHealth(
  baseURL: string,
  exited: () => string | undefined,
  logPath: string,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    const gone = exited();
    if (gone) {
      throw new Error(`waymark serve ${gone} before it was ready; its log:\n${readLog(logPath)}`);
    }
    try {
      const res = await fetch(`${baseURL}/health`);
      if (res.ok) return;
      last = `/health answered ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `waymark serve was not ready at ${baseURL} after 30 s (${last}); its log:\n${readLog(logPath)}`,
  );
}

function readLog(logPath: string): string {
  try {
    return readFileSync(logPath, 'utf8');
  } catch {
    return '(no log)';
  }
}
