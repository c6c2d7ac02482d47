// TSX fixture: the code lens must appear in .tsx files too.
// @workload args=[3] budget=3
export function rows(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `row ${i}`);
}
