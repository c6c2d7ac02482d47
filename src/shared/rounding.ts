// Rounding for stored numbers: reports keep 1–3 decimals so saved JSON stays readable
// and diffs of two reports show real changes, not float noise.
export const round1 = (x: number): number => Math.round(x * 10) / 10;
export const round2 = (x: number): number => Math.round(x * 100) / 100;
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
