// An HTTP request to a slow server: almost all of a call is waiting on a socket.
// The example brings its own server (127.0.0.1, a random port, 100 ms per response)
// so it runs anywhere; each worker thread or process that loads this module starts
// its own, on first use.
//
//   npx workload-profiler profile examples/httpFetch.mjs fetchReport
import http from 'node:http';

let serverUrl;

function startSlowServer() {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      setTimeout(() => res.end(JSON.stringify({ path: req.url, at: Date.now() })), 100);
    });
    server.keepAliveTimeout = 1000;
    server.listen(0, '127.0.0.1', () => {
      // Don't let the example's server keep a worker alive after the profile.
      server.unref();
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });
}

// @workload args=["$i"] budget=15
export async function fetchReport(id) {
  serverUrl ??= await startSlowServer();
  const res = await fetch(`${serverUrl}/reports/${id}`);
  return (await res.json()).path;
}
