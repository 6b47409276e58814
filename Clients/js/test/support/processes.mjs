// Real processes for the integration tests: redis-server, ImServer and imctl, all on loopback and free ports.
// Every process started here is tracked and killed by killAll() (call it from after()) or, at worst, on exit.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Paths of the built .NET programs: env vars first (test.sh), then the in-tree Debug output. */
export const programs = {
  imServer: process.env.RETROIM_IMSERVER_DLL
    ?? resolve(repoRoot, 'ImServer/RetroIm.ImServer/bin/Debug/net10.0/RetroIm.ImServer.dll'),
  imCtl: process.env.RETROIM_IMCTL_DLL
    ?? resolve(repoRoot, 'ImServer/RetroIm.ImCtl/bin/Debug/net10.0/imctl.dll'),
  redis: process.env.RETROIM_REDIS_SERVER ?? '/usr/bin/redis-server',
};

/** Why the integration tests cannot run here, or null when they can. */
export function missingPrograms() {
  const missing = Object.entries(programs).filter(([, path]) => !existsSync(path)).map(([n, p]) => `${n} (${p})`);
  return missing.length === 0 ? null : `not built or not installed: ${missing.join(', ')}`;
}

const running = new Set();

export async function killAll() {
  await Promise.all([...running].map((p) => p.kill()));
}

process.on('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});

/** Asks the OS for a free loopback port. */
export function freePort() {
  return new Promise((res, rej) => {
    const server = createServer();
    server.unref();
    server.on('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => res(port));
    });
  });
}

/** A child process with its output kept for error messages. */
class Proc {
  constructor(name, command, args) {
    this.name = name;
    this.output = '';
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOTNET_NOLOGO: '1' } });
    this.exited = new Promise((res) => this.child.once('exit', (code, signal) => res({ code, signal })));
    const keep = (d) => { this.output = (this.output + d).slice(-20000); };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    running.add(this);
    this.exited.then(() => running.delete(this));
  }

  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(sig) {
    if (this.alive) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL if it has not exited within graceMs. Resolves once it has exited. */
  async kill(graceMs = 5000) {
    if (!this.alive) return this.exited;
    this.child.kill('SIGCONT'); // a SIGSTOPped process would otherwise sit on SIGTERM
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  async killHard() {
    this.signal('SIGKILL');
    return this.exited;
  }
}

/** Polls `check` every 100 ms until it returns truthy, up to timeoutMs. */
export async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}

function tcpPing(port) {
  return new Promise((res) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.setTimeout(1000);
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (d) => { s.destroy(); res(d.toString().startsWith('+PONG')); });
    s.on('error', () => res(false));
    s.on('timeout', () => { s.destroy(); res(false); });
  });
}

export async function startRedis() {
  const port = await freePort();
  const proc = new Proc('redis', programs.redis,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitUntil(async () => {
    if (!proc.alive) throw new Error(`redis-server exited: ${proc.output}`);
    return tcpPing(port);
  }, 10000, 'redis-server to answer PING');
  return { port, proc, connectionString: `127.0.0.1:${port}`, stop: () => proc.kill() };
}

/** An ImServer node that can be killed and started again on the same port (so it keeps its node id). */
export class ImServerNode {
  constructor(redisPort, port) {
    this.redisPort = redisPort;
    this.port = port;
    this.proc = null;
  }

  static async start(redisPort) {
    const node = new ImServerNode(redisPort, await freePort());
    await node.start();
    return node;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const proc = new Proc('imserver', 'dotnet', [
      programs.imServer,
      '--urls', this.url,
      `--ImServer:Server=ws://127.0.0.1:${this.port}`,
      `--ImServer:Redis=127.0.0.1:${this.redisPort}`,
    ]);
    this.proc = proc;
    await waitUntil(async () => {
      if (!proc.alive) throw new Error(`ImServer exited: ${proc.output}`);
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
      return res.status === 200;
    }, 30000, `ImServer ${this.url}/health to answer 200`);
  }

  /** kill -9: sockets drop without a close frame (clients see 1006). */
  killHard() {
    return this.proc.killHard();
  }

  /** SIGTERM: a graceful drain that closes sockets with 1012. */
  stop() {
    return this.proc.kill(10000);
  }

  pause() {
    this.proc.signal('SIGSTOP');
  }

  resume() {
    this.proc.signal('SIGCONT');
  }
}

/** Runs imctl and returns its stdout parsed as JSON (or the trimmed text when it is not JSON). */
export function imctl(redisPort, ...args) {
  return new Promise((res, rej) => {
    execFile('dotnet', [programs.imCtl, '--redis', `127.0.0.1:${redisPort}`, ...args],
      { timeout: 30000, env: { ...process.env, DOTNET_NOLOGO: '1' } },
      (error, stdout, stderr) => {
        if (error) {
          error.message += `\nimctl ${args.join(' ')}\nstdout: ${stdout}\nstderr: ${stderr}`;
          rej(error);
          return;
        }
        const text = stdout.trim();
        try {
          res(JSON.parse(text));
        } catch {
          res(text);
        }
      });
  });
}

/** A fresh connect URL for clientId from `imctl connect-url`. */
export async function connectUrl(redisPort, clientId) {
  const out = await imctl(redisPort, 'connect-url', clientId);
  const url = typeof out === 'string' ? out : (out.url ?? out.connectUrl);
  if (typeof url !== 'string' || !url.startsWith('ws')) {
    throw new Error(`imctl connect-url printed no ws(s) URL: ${JSON.stringify(out)}`);
  }
  return url;
}
