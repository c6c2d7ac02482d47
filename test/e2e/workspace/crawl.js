// A crawler in miniature: each item is a page number; "fetching" it waits 20 ms and
// finds its two children, down to page 62, so the crawl walks a tree 6 deep from one seed.
// @workload queue seeds=[1] budget=6
async function crawl(page) {
  await new Promise((resolve) => setTimeout(resolve, 20));
  return page < 32 ? [2 * page, 2 * page + 1] : [];
}

module.exports = { crawl };
