// Hashing passwords is CPU work. Two flavours, two lessons:
// - hashPasswordSync burns the calling thread: async concurrency cannot help, only
//   more cores (worker threads or processes) can.
// - hashPassword hands the same work to libuv's thread pool: the calling thread sits
//   idle, yet the cores are busy, so it scales only to min(cores, UV_THREADPOOL_SIZE).
//
//   npx workload-profiler profile examples/passwordHash.js hashPasswordSync
//   npx workload-profiler profile examples/passwordHash.js hashPassword
const crypto = require('node:crypto');

// @workload args=["user-$i"] budget=15
function hashPasswordSync(password) {
  return crypto.pbkdf2Sync(password, 'salt', 60_000, 64, 'sha512').toString('hex');
}

// @workload args=["user-$i"] budget=15
function hashPassword(password) {
  return new Promise((resolve, reject) =>
    crypto.pbkdf2(password, 'salt', 60_000, 64, 'sha512', (err, key) => (err ? reject(err) : resolve(key.toString('hex')))),
  );
}

module.exports = { hashPasswordSync, hashPassword };
