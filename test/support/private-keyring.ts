// Vitest's global setup: the suite's own Secret Service, so `npm test` never touches the user's
// keyring or HOME. It starts a private D-Bus session bus whose first service directory holds our
// own activation files for the keyring's names: D-Bus starts gnome-keyring-daemon unlocked, with
// a throw-away HOME, the first time a client asks and again after every crash (GNOME Keyring can
// abort when a client leaves while a property read of its is still queued; Debian's own service
// file would then start it locked, and every later test would wait on a prompt nobody answers).
//
// Every test process inherits the bus address, the temp HOME and `OAUTHCLI_TEST_KEYCHAIN`:
// `private` when the keyring runs, `none` when this machine has no Secret Service software (the
// tests that need one skip; test/support/keychain.ts) and DBUS_SESSION_BUS_ADDRESS is removed, so
// nothing can reach a desktop session's keyring.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYRING_PACKAGES, keychainTestFiles, missingKeyringPrograms } from './keychain-files.ts';

function busConfig(serviceDir: string): string {
  return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:tmpdir=${tmpdir()}</listen>
  <auth>EXTERNAL</auth>
  <servicedir>${serviceDir}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`;
}

/** Reads the bus address dbus-daemon prints on its first line. */
function addressOf(daemon: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        daemon.stdout?.off('data', onData);
        resolve(line.trim());
      }
    };
    daemon.stdout?.on('data', onData);
    daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited (${code}) before printing its address`)));
    daemon.once('error', reject);
  });
}

function secretServiceUp(env: NodeJS.ProcessEnv): boolean {
  const res = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], {
    env,
    encoding: 'utf8',
    timeout: 5_000,
  });
  return res.stdout?.includes('boolean true') ?? false;
}

export default async function setup(): Promise<() => void> {
  // Already inside .ci/with-keyring: its bus and keyring serve the tests.
  if (process.env.WITH_KEYRING_BUS) {
    process.env.OAUTHCLI_TEST_KEYCHAIN = 'private';
    return () => undefined;
  }

  const root = mkdtempSync(join(tmpdir(), 'oauthcli-suite-'));
  const home = join(root, 'home');
  mkdirSync(home, { mode: 0o700 });
  const keep = { HOME: process.env.HOME };
  // Whatever a test runs (git, gh, the CLI itself) sees a HOME of the suite's, never the user's.
  process.env.HOME = home;
  for (const name of ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR']) delete process.env[name];

  // OAUTHCLI_TEST_KEYCHAIN=none runs the suite as a machine without Secret Service software would.
  const missing = missingKeyringPrograms();
  if (missing.length > 0) {
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.OAUTHCLI_TEST_KEYCHAIN = 'none';
    const skipped = keychainTestFiles(process.cwd()).length;
    process.stderr.write(`\nKeychain tests skipped (${skipped} files): no Secret Service here (${missing.join(', ')}). Install it with: apt-get install ${KEYRING_PACKAGES}\n\n`);
    return () => rmSync(root, { recursive: true, force: true });
  }

  const services = join(root, 'services');
  mkdirSync(services);
  const daemonHome = join(root, 'keyring-home');
  mkdirSync(daemonHome, { mode: 0o700 });
  const start = join(root, 'start-keyring');
  writeFileSync(
    start,
    `#!/bin/sh
# Started by D-Bus whenever a client asks for the Secret Service and no daemon holds it.
export HOME='${daemonHome}' XDG_DATA_HOME='${daemonHome}/share' XDG_RUNTIME_DIR='${daemonHome}'
printf pw | exec gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null
`,
  );
  chmodSync(start, 0o700);
  for (const name of ['org.freedesktop.secrets', 'org.gnome.keyring']) writeFileSync(join(services, `${name}.service`), `[D-BUS Service]\nName=${name}\nExec=${start}\n`);
  const config = join(root, 'session.conf');
  writeFileSync(config, busConfig(services));

  const daemon = spawn('dbus-daemon', ['--config-file', config, '--nofork', '--print-address=1'], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
  const address = await addressOf(daemon);
  process.env.DBUS_SESSION_BUS_ADDRESS = address;
  spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/', 'org.freedesktop.DBus.StartServiceByName', 'string:org.freedesktop.secrets', 'uint32:0'], {
    env: process.env,
    stdio: 'ignore',
    timeout: 10_000,
  });
  if (!secretServiceUp(process.env)) {
    daemon.kill();
    throw new Error('the private gnome-keyring-daemon did not start on the test bus');
  }
  process.env.OAUTHCLI_TEST_KEYCHAIN = 'private';

  return () => {
    // The keyring daemon leaves with its bus.
    try {
      if (daemon.pid) process.kill(-daemon.pid, 'SIGTERM');
    } catch {
      daemon.kill();
    }
    spawnSync('pkill', ['-f', start], { stdio: 'ignore' });
    process.env.HOME = keep.HOME;
    rmSync(root, { recursive: true, force: true });
  };
}
