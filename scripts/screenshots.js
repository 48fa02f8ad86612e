// Takes the README's screenshots: home, search, a movie page and My ratings at a desktop
// (1366 × 900) and a phone (390 × 844) width, light and dark, as PNGs of the window.
// Run through scripts/screenshots.sh, which starts the server on a fresh database.
//
//   node scripts/screenshots.js BASE_URL OUT_DIR CHROMIUM

const { chromium } = require('playwright-core');

const [base, out, executablePath] = process.argv.slice(2);
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Films the demo user rates (from the onboarding list, so they are well known) and how much.
const STARS = [5, 4.5, 4, 2.5, 5, 3.5, 4, 1.5, 4.5, 3, 5, 4];

async function modelVersion(request) {
  const status = await (await request.get(`${base}/api/v1/model`)).json();
  return status.training && status.training.running ? null : status.version;
}

async function waitForModelAfter(request, before) {
  for (let i = 0; i < 600; i++) {
    const version = await modelVersion(request);
    if (version != null && version !== before) return version;
    await sleep(200);
  }
  throw new Error('no model was trained');
}

(async () => {
  const browser = await chromium.launch({ executablePath });
  const setup = await browser.newContext();
  const page = await setup.newPage();
  // The first model, trained on the catalog's critics when the server starts.
  const before = await waitForModelAfter(page.request, null);
  await page.goto(`${base}/register`);
  await page.fill('#username', 'cinephile');
  await page.fill('#password', 'correct horse battery');
  await page.fill('#confirm', 'correct horse battery');
  await page.click('main form button[type=submit]');
  await page.waitForSelector('li.onboarding-movie');
  const ids = [];
  // "More films" adds onboarding films until there are enough to rate.
  while (ids.length < STARS.length + 3) {
    for (const id of await page.$$eval('li.onboarding-movie', els => els.map(e => e.dataset.movieId))) {
      if (!ids.includes(id)) ids.push(id);
    }
    const more = await page.$('a[data-more]');
    if (!more || ids.length >= STARS.length + 3) break;
    await page.goto(await more.evaluate(a => a.href));
  }
  const headers = { Origin: base };
  for (const [i, rating] of STARS.entries()) {
    await page.request.put(`${base}/api/v1/me/ratings/${ids[i]}`, { data: { rating }, headers });
  }
  for (const id of ids.slice(STARS.length, STARS.length + 3)) {
    await page.request.put(`${base}/api/v1/me/watchlist/${id}`, { headers });
  }
  // The server retrains after a few changed ratings: wait for the model that knows them.
  await waitForModelAfter(page.request, before);
  const session = await setup.storageState();
  const movie = ids[0];

  const shots = [
    ['home', '/'],
    ['search', '/search?q=star'],
    ['movie', `/movies/${movie}`],
    ['ratings', '/my/ratings'],
  ];
  const sizes = [
    ['desktop', { width: 1366, height: 900 }, false],
    ['phone', { width: 390, height: 844 }, true],
  ];
  for (const [size, viewport, isMobile] of sizes) {
    for (const colorScheme of ['light', 'dark']) {
      const context = await browser.newContext({
        viewport, isMobile, hasTouch: isMobile, deviceScaleFactor: 1, colorScheme,
        storageState: session,
      });
      const tab = await context.newPage();
      for (const [name, path] of shots) {
        await tab.goto(base + path, { waitUntil: 'networkidle' });
        // Lazy images below the fold are not in the picture; wait for those that are.
        await tab.evaluate(() => Promise.all([...document.images]
          .filter(i => i.getBoundingClientRect().top < innerHeight)
          .map(i => i.decode().catch(() => null))));
        const file = `${out}/screenshot-${name}-${size}-${colorScheme}.png`;
        await tab.screenshot({ path: file });
        console.log(file);
      }
      await context.close();
    }
  }
  await browser.close();
})().catch(error => {
  console.error(error);
  process.exit(1);
});
