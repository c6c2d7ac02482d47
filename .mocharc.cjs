// `npm test` runs every built test; `npx mocha dist/test/unit/x.test.js` runs just that
// file (a spec in the config would otherwise be added to the files named).
const named = process.argv.slice(2).some((a) => /\.test\.js$/.test(a));
module.exports = {
  spec: named ? [] : ['dist/test/**/*.test.js'],
  timeout: 120000,
  slow: 5000,
  reporter: 'spec',
  // Ends the host processes a timed-out test leaves behind (test/rootHooks.ts, built by npm run build).
  require: ['dist/test/rootHooks.js'],
};
