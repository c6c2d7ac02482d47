// The one set of number formatters. The CLI text, the Markdown export, the webview, the
// code lens and the results tree all print numbers through these, so a speedup reads
// the same everywhere. Pure: no node, no DOM, no vscode (the webview bundle imports it).

type Maybe = number | null | undefined;

function finite(v: Maybe): v is number {
  return v !== null && v !== undefined && Number.isFinite(v);
}

/** Speedup: "1.9×", "1.02×", "63.8×", "128×". */
export function x(v: Maybe): string {
  if (!finite(v)) return '–';
  if (v >= 100) return `${Math.round(v)}×`;
  if (v >= 10) return `${v.toFixed(1)}×`;
  let s = v.toFixed(2);
  if (s.endsWith('0')) s = s.slice(0, -1);
  return `${s}×`;
}

/** Fraction as a percentage: "45%", "0.4%", "<0.1%". */
export function pct(v: Maybe): string {
  if (!finite(v)) return '–';
  const p = v * 100;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)}%`;
}

/** Duration: "420 µs", "3.1 ms", "25 ms", "1.50 s", "12 s". */
export function ms(v: Maybe): string {
  if (!finite(v)) return '–';
  if (v >= 1000) return `${(v / 1000).toFixed(v >= 10_000 ? 0 : 2)} s`;
  if (v >= 10) return `${v.toFixed(0)} ms`;
  if (v >= 1) return `${v.toFixed(1)} ms`;
  return `${Math.round(v * 1000)} µs`;
}

/** A count of cores or a ratio: two decimals below 10, none above. */
export function num(v: Maybe): string {
  if (!finite(v)) return '–';
  return v >= 10 ? v.toFixed(0) : v.toFixed(2);
}

/** A budget or a profile's length: "4.5 s", "15 s". */
export function seconds(v: Maybe): string {
  if (!finite(v)) return '–';
  return `${(v / 1000).toFixed(v < 10_000 ? 1 : 0)} s`;
}

/** Bytes: "512 B", "4.0 KB", "4.0 MB". */
export function kb(bytes: Maybe): string {
  if (!finite(bytes)) return '–';
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${Math.round(bytes)} B`;
}

/** Tasks per second in a table cell: "1,234", "56.7", "0.50". */
export function throughput(v: Maybe): string {
  if (!finite(v)) return '–';
  if (v >= 1000) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

/** Tasks per second in a short label: "1.2k/s", "57/s", "0.50/s". */
export function rate(perSec: Maybe): string {
  if (!finite(perSec)) return '–';
  if (perSec >= 1000) return `${(perSec / 1000).toFixed(1)}k/s`;
  if (perSec >= 10) return `${perSec.toFixed(0)}/s`;
  return `${perSec.toFixed(2)}/s`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago". */
export function relativeTime(iso: string, now: number = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(s)) return '';
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
