// The Chrome flags every Lighthouse run here starts Debian's Chromium with (run.mjs, pwa.mjs):
// headless, no sandbox (CI runs as root), and nothing that reaches the network by itself.
export const CHROME_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
