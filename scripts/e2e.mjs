// Runs the Playwright specs in Debian's Chromium: CHROMIUM_PATH, else /usr/bin/chromium, else chromium on
// PATH; installs Debian's package when it is missing and this runs as root with apt-get; otherwise says
// exactly what to do. Never downloads Playwright's own browsers.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function findChromium() {
  if (process.env.CHROMIUM_PATH) {
    if (existsSync(process.env.CHROMIUM_PATH)) return process.env.CHROMIUM_PATH;
    console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`);
    process.exit(1);
  }
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  return which('chromium');
}

let chromium = findChromium();
if (!chromium && process.getuid?.() === 0 && which('apt-get')) {
  console.log("Chromium is missing; installing Debian's chromium package (apt-get)…");
  execFileSync('sh', ['-c', 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium'], {
    stdio: 'inherit',
  });
  chromium = findChromium();
}
if (!chromium) {
  console.error(
    'The browser tests need Chromium and none was found.\n' +
      '  Install it:  sudo apt-get update && sudo apt-get install -y chromium\n' +
      '  or point to one:  CHROMIUM_PATH=/path/to/chromium npm test',
  );
  process.exit(1);
}

const r = spawnSync('npx', ['playwright', 'test', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: chromium },
});
process.exit(r.status ?? 1);
