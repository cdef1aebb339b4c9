// Lighthouse's installable-app checks on one page, on its phone preset (tests/e2e/test_installable.py).
//
//   node tests/lighthouse/pwa.mjs <url> report.json
//
// Lighthouse 12 dropped the "pwa" category; Lighthouse 11 (the "lighthouse-pwa" alias in
// package.json) is the last with it. report.json: the category's score and each of its audits
// (id, title, score, scoreDisplayMode, explanation, the first few items' reasons).
// CHROME_PATH names the browser, as for the Lighthouse CLI. The page is loaded twice in one
// Chrome: the first visit registers the service worker, whose state Lighthouse then reads
// (it keeps the browser's storage: disableStorageReset).

import fs from 'node:fs';

import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse-pwa';

import {CHROME_FLAGS} from './chrome.mjs';

const [url, output] = process.argv.slice(2);
const chrome = await chromeLauncher.launch({chromeFlags: CHROME_FLAGS});
try {
  const flags = {port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['pwa']};
  await lighthouse(url, flags);  // the first visit: the worker installs
  const result = await lighthouse(url, {...flags, disableStorageReset: true});
  const lhr = result.lhr;
  const category = lhr.categories.pwa;
  const audits = category.auditRefs.map((ref) => {
    const audit = lhr.audits[ref.id];
    const items = (audit.details?.items ?? []).slice(0, 3).map((item) => item.reason ?? item.errorId ?? JSON.stringify(item).slice(0, 200));
    return {
      id: ref.id,
      title: audit.title,
      score: audit.score,
      scoreDisplayMode: audit.scoreDisplayMode,
      explanation: audit.explanation ?? null,
      items,
    };
  });
  fs.writeFileSync(output, JSON.stringify({
    url: lhr.finalDisplayedUrl,
    lighthouseVersion: lhr.lighthouseVersion,
    formFactor: lhr.configSettings.formFactor,
    score: category.score,
    runtimeError: lhr.runtimeError ?? null,
    audits,
  }, null, 1));
} finally {
  await chrome.kill();
}
