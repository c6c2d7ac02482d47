// Queue mode example: a CPU-bound tree search. Placing N queens on an N×N board, one row
// at a time: an item is a partial placement (the column of the queen in each row so far).
// Near the root an item returns its valid children; at SPLIT_DEPTH it solves the rest of
// the board itself (pure CPU, several ms) and returns nothing.
//
//   workload-profiler profile examples/queensSearch.js expand
const N = 13;
const SPLIT_DEPTH = 2;

function safe(cols, c) {
  const r = cols.length;
  for (let i = 0; i < r; i++) if (cols[i] === c || Math.abs(cols[i] - c) === r - i) return false;
  return true;
}

function solveFrom(cols) {
  if (cols.length === N) return 1;
  let n = 0;
  for (let c = 0; c < N; c++) if (safe(cols, c)) n += solveFrom([...cols, c]);
  return n;
}

// @workload queue seeds=[[]]
function expand(cols) {
  if (cols.length >= SPLIT_DEPTH) {
    solveFrom(cols);
    return [];
  }
  const children = [];
  for (let c = 0; c < N; c++) if (safe(cols, c)) children.push([...cols, c]);
  return children;
}

module.exports = { expand };
