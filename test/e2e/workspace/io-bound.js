// Waits on a timer and does almost no work: the event loop overlaps many of these.
// @workload args=[200] budget=4
async function fetchLater(ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
}

module.exports = { fetchLater };
