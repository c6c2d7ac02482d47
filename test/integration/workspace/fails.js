// Throws on every call: the report panel shows the user's stack in #error.
// @workload args=[] budget=3
export function alwaysFails() {
  throw new RangeError('fixture failure on purpose');
}
