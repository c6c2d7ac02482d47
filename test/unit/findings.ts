// Test helpers that read the analysis's findings by code.
import assert from 'node:assert/strict';
import type { Finding, FindingData } from '../../src/shared/report';

/** The finding with this code, or a failure listing the codes there were. */
export function findingOf(findings: Finding[] | undefined, code: string): Finding {
  const f = findings?.find((x) => x.code === code);
  assert.ok(f, `no finding ${code}; found ${(findings ?? []).map((x) => x.code).join(', ')}`);
  return f;
}

export function codesOf(findings: Finding[] | undefined): string[] {
  return (findings ?? []).map((f) => f.code);
}

/**
 * A finding's data is plain: finite numbers and strings only, unchanged by a JSON round
 * trip, since the report stores it and words are rendered from it in one place.
 */
export function assertPlainData(d: FindingData | undefined, where: string): void {
  assert.ok(d, `${where}: data`);
  for (const [k, v] of Object.entries(d)) {
    assert.ok(typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)), `${where}: ${k} = ${String(v)}`);
  }
  assert.deepEqual(JSON.parse(JSON.stringify(d)), d);
}
