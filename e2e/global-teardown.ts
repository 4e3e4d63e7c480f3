// Stops the server global-setup.ts started, keeps its log in test-results/ and removes the
// temporary database (set WAYMARK_E2E_KEEP=1 to keep it, e.g. to look at it with sqlite3).
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';

export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env.WAYMARK_E2E_SERVER_PID);
  if (pid > 0) await stop(pid);

  const dir = process.env.WAYMARK_E2E_DIR;
  if (!dir) return;
  const log = path.join(dir, 'server.log');
  if (existsSync(log)) {
    const results = path.join(__dirname, 'test-results');
    mkdirSync(results, { recursive: true });
    copyFileSync(log, path.join(results, 'waymark-server.log'));
  }
  if (process.env.WAYMARK_E2E_KEEP) {
    console.log(`Kept the test database in ${dir}`);
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** SIGTERM (Waymark finishes the requests in flight), then SIGKILL after 10 s. */
async function stop(pid: number): Promise<void> {
  if (!signal(pid, 'SIGTERM')) return;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!signal(pid, 0)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  signal(pid, 'SIGKILL');
}

/** Sends `sig` to `pid`; false if there is no such process (any more). */
function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
