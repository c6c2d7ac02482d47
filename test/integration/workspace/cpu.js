// CPU-bound fixture: a busy loop with no I/O.
// @workload args=[30] budget=3
export function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

// No directive: the extension asks for its arguments.
export function square(x) {
  return x * x;
}
