// A pure CPU loop: no I/O, so threads or processes scale it up to the core count.
// @workload args=[300000] budget=4
function countPrimes(limit) {
  let count = 0;
  for (let n = 2; n < limit; n++) {
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

module.exports = { countPrimes };
