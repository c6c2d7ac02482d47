// Queue mode example: crawl a small generated web site on 127.0.0.1.
//
//   workload-profiler profile examples/crawlSite.mjs crawl
//
// The site is a fixed link graph of 150 pages, each answered after a 10 ms delay, served
// by this module itself on a loopback port (one server per worker thread or process that
// loads the module: every one serves the same pages, so items are plain paths). Pages
// link to their neighbours and to a few far pages, so the crawl finds many duplicates
// and its frontier first grows, then dries up.
import { createServer } from 'node:http';

const PAGES = 150;
const DELAY_MS = 10;

function linksOf(page) {
  // A deterministic graph: the next pages, plus far links from a small hash.
  const out = [(page + 1) % PAGES, (page + 2) % PAGES];
  for (let i = 1; i <= 3; i++) out.push((page * 7919 + i * 104729) % PAGES);
  return out;
}

let base;
function site() {
  base ??= new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const page = Number(/^\/page\/(\d+)$/.exec(req.url ?? '')?.[1] ?? 0);
      const body = `<html><body><h1>Page ${page}</h1>${linksOf(page).map((p) => `<a href="/page/${p}">page ${p}</a>`).join(' ')}</body></html>`;
      setTimeout(() => res.end(body), DELAY_MS);
    });
    server.on('error', reject);
    // Loopback only, any free port; unref: the server never keeps its host alive.
    server.listen(0, '127.0.0.1', () => {
      server.unref();
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });
  return base;
}

// @workload queue seeds=["/page/0"] budget=20
export async function crawl(path) {
  const res = await fetch((await site()) + path);
  const html = await res.text();
  return [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
}
