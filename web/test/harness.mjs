// Shared by the dashboard's browser tests: starts `heimdall up` on a fresh
// state directory and Debian's chromium through playwright-core, and cleans
// both up. Exit codes: 0 passed, 1 failed, 77 skipped (chromium cannot
// start; ctest reports it through SKIP_RETURN_CODE).
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const SKIP = 77;
// Debian's chromium; HEIMDALL_CHROMIUM names another (to check the skip).
export const CHROMIUM = process.env.HEIMDALL_CHROMIUM || '/usr/bin/chromium';
// From ../shared/RECIPES.md: without the background-networking flags chromium tries
// outside hosts on its own.
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update',
  '--disable-sync',
];

export function parseArgs(argv) {
  const args = {heimdall: '', artifacts: ''};
  for (let i = 2; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args) || argv[i + 1] === undefined) {
      throw new Error(`usage: --heimdall BINARY --artifacts DIR (got ${argv[i]})`);
    }
    args[key] = argv[i + 1];
  }
  if (!args.heimdall || !args.artifacts) {
    throw new Error('usage: --heimdall BINARY --artifacts DIR');
  }
  fs.mkdirSync(args.artifacts, {recursive: true});
  return args;
}

// Resolves when `condition()` is truthy; rejects naming `what` after
// `timeoutMs`. Only for waiting on processes; pages use Playwright's waits.
export async function waitFor(what, condition, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await condition();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// A fast heimdall up: 100 ms polls, short grace, no cooldown, no breaker,
// the simulator at 5x speed, and the earlier model as the detector, which
// flags an acute reading at once (the settings of src/healer/up_e2e_test.cc:
// these tests are about the page, not the detector). Probes wait up to 1 s,
// so that a loaded CI machine does not make a generation look unresponsive.
export function writeConfig(dir, {port = 0} = {}) {
  const file = path.join(dir, 'heimdall.toml');
  fs.writeFileSync(file, `state_dir = "${path.join(dir, 'state')}"
[controller]
interval = "100ms"
[policy]
grace = "500ms"
cooldown = "0s"
stale_after = "2s"
[policy.backoff]
base = "100ms"
max = "1s"
[policy.breaker]
max_heals = 0
[provider.local]
simulator_args = ["--speed", "5"]
[probe]
telemetry_timeout = "1s"
predict_timeout = "1s"
[api]
listen = "127.0.0.1:${port}"
[detector]
parts = ["model"]
`);
  return file;
}

// Starts `heimdall up --config CONFIG` and resolves once its control API
// listens, with {url, stop()}. Output goes to LOG_PATH.
export async function startUp(binary, config, logPath, env = {}) {
  const log = fs.openSync(logPath, 'a');
  const child = spawn(binary, ['up', '--config', config], {
    env: {...process.env, ...env},
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let exited = null;
  child.on('exit', (code, signal) => { exited = {code, signal}; });

  const url = await waitFor('heimdall up to listen', () => {
    if (exited) {
      throw new Error(`heimdall up exited (${JSON.stringify(exited)}):\n` +
                      tail(logPath));
    }
    const match = /control API on (http:\/\/127\.0\.0\.1:\d+)/.exec(
        fs.readFileSync(logPath, 'utf8'));
    return match && match[1];
  });
  return {
    url,
    // SIGTERM: heimdall up destroys its generation and exits.
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      try {
        await waitFor('heimdall up to exit', () => exited, 20000);
      } catch (error) {
        child.kill('SIGKILL');
        throw error;
      }
    },
  };
}

export function tail(file, bytes = 4000) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch (_) {
    return '';
  }
}

// Launches chromium, or exits with SKIP when it cannot start. A missing
// playwright-core is a failure (run `npm ci` in web/), not a skip.
export async function launchChromium() {
  let chromium;
  try {
    ({chromium} = await import('playwright-core'));
  } catch (error) {
    console.error(`FAIL: playwright-core is not installed (run npm ci in web/): ${error.message}`);
    process.exit(1);
  }
  if (!fs.existsSync(CHROMIUM)) {
    console.log(`SKIP: ${CHROMIUM} is missing (apt-get install chromium); browser test not run`);
    process.exit(SKIP);
  }
  try {
    return await chromium.launch({
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS,
      timeout: 60000,
    });
  } catch (error) {
    console.log(`SKIP: chromium cannot start: ${error.message.split('\n')[0]}`);
    process.exit(SKIP);
  }
}

// Runs `body` and turns its outcome into the exit code; `cleanups` run in
// reverse order whatever happens.
export async function run(name, body) {
  const cleanups = [];
  let failed = false;
  try {
    await body((cleanup) => cleanups.push(cleanup));
    console.log(`PASS: ${name}`);
  } catch (error) {
    failed = true;
    // The message, as tests may have added to it (the stack was captured
    // with the original one), then where it was thrown.
    const where = (error.stack || '').split('\n')
        .filter((line) => /^\s+at /.test(line)).join('\n');
    console.error(`FAIL: ${name}: ${error.message ?? error}\n${where}`);
  }
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      failed = true;
      console.error(`cleanup failed: ${error.stack || error}`);
    }
  }
  console.log(failed ? '0 passed, 1 failed' : '1 passed, 0 failed');
  process.exit(failed ? 1 : 0);
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
