// Test helpers that read the analysis's findings by code.
import assert from 'node:assert/strict';
import type { Finding } from '../../src/shared/report';

/** The finding with this code, or a failure listing the codes there were. */
export function findingOf(findings: Finding[] | undefined, code: string): Finding {
  const f = findings?.find((x) => x.code === code);
  assert.ok(f, `no finding ${code}; found ${(findings ?? []).map((x) => x.code).join(', ')}`);
  return f;
}

export function codesOf(findings: Finding[] | undefined): string[] {
  return (findings ?? []).map((f) => f.code);
}
