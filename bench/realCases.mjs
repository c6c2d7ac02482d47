// Real-library functions for the "fidelity on real libraries" section: allocation-heavy
// and JIT-dependent npm code (devDependencies) and Python standard-library calls, each
// 15–60 ms a call on inputs the fixture builds deterministically. `quick` marks the
// subset a smoke run (BENCH_QUICK=1) keeps.
export const REAL_CASES = [
  { lang: 'js', lib: 'marked', file: 'bench/fixtures/real/markdown.mjs', fn: 'renderMarkdown', quick: true },
  { lang: 'js', lib: 'js-yaml', file: 'bench/fixtures/real/yaml.mjs', fn: 'parseYaml' },
  { lang: 'js', lib: 'acorn', file: 'bench/fixtures/real/jsParse.ts', fn: 'parseJs', quick: true },
  { lang: 'js', lib: 'js-sha256', file: 'bench/fixtures/real/sha256.mjs', fn: 'hashPureJs' },
  { lang: 'js', lib: 'fast-xml-parser', file: 'bench/fixtures/real/xml.mjs', fn: 'parseXml' },
  { lang: 'py', lib: 'json', file: 'bench/fixtures/python/real/json_roundtrip.py', fn: 'roundtrip', quick: true },
  { lang: 'py', lib: 're', file: 'bench/fixtures/python/real/regex_scan.py', fn: 'scan' },
  { lang: 'py', lib: 'difflib', file: 'bench/fixtures/python/real/diff_ratio.py', fn: 'diff' },
  { lang: 'py', lib: 'hashlib', file: 'bench/fixtures/python/real/sha256_buffer.py', fn: 'sha256', quick: true },
];
