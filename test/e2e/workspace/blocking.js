// Blocks its thread on a wait that uses no CPU (a synchronous client, Atomics.wait): an
// event loop runs these one at a time, while threads wait side by side.
// @workload args=[200] budget=4
function waitBlocking(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return ms;
}

module.exports = { waitBlocking };
