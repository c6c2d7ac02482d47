// Canvas charts cannot use CSS variables directly, so the theme's --vscode-* colours are
// read with getComputedStyle and read again whenever VS Code switches the theme (it
// changes the body's class, its data-vscode-theme-id and the variables on <html>).

export interface ChartTheme {
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  fontFamily: string;
  fontSize: number;
  highContrast: boolean;
  blue: string;
  red: string;
  green: string;
  yellow: string;
  orange: string;
  purple: string;
  focus: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

export function readTheme(): ChartTheme {
  const s = getComputedStyle(document.body);
  const foreground = cssVar(s, '--vscode-charts-foreground', cssVar(s, '--vscode-foreground', '#cccccc'));
  return {
    foreground,
    muted: cssVar(s, '--vscode-descriptionForeground', foreground),
    grid: cssVar(s, '--vscode-charts-lines', cssVar(s, '--vscode-widget-border', 'rgba(128,128,128,0.35)')),
    background: cssVar(s, '--vscode-editor-background', '#1e1e1e'),
    fontFamily: cssVar(s, '--vscode-font-family', 'sans-serif'),
    fontSize: parseFloat(cssVar(s, '--vscode-font-size', '13')) || 13,
    highContrast: document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light'),
    blue: cssVar(s, '--vscode-charts-blue', '#3794ff'),
    red: cssVar(s, '--vscode-charts-red', '#f14c4c'),
    green: cssVar(s, '--vscode-charts-green', '#89d185'),
    yellow: cssVar(s, '--vscode-charts-yellow', '#cca700'),
    orange: cssVar(s, '--vscode-charts-orange', '#d18616'),
    purple: cssVar(s, '--vscode-charts-purple', '#b180d7'),
    focus: cssVar(s, '--vscode-focusBorder', '#007fd4'),
  };
}

export function onThemeChange(listener: (theme: ChartTheme) => void): void {
  // The body's class changes between light/dark/high-contrast; switching between two
  // themes of the same kind changes only data-vscode-theme-id and the variables VS Code
  // writes into <html style>, so all three are watched.
  let last = themeSignature();
  const check = () => {
    const now = themeSignature();
    if (now === last) return;
    last = now;
    listener(readTheme());
  };
  new MutationObserver(check).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-id'] });
  new MutationObserver(check).observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
}

function themeSignature(): string {
  return `${document.body.className}|${document.body.dataset.vscodeThemeId ?? ''}|${document.documentElement.getAttribute('style') ?? ''}`;
}

let scratch: CanvasRenderingContext2D | null | undefined;

/**
 * The theme colour with an alpha. Theme values come as #rgb, #rrggbb(aa), rgb() or
 * names, so the canvas itself normalises them to #rrggbb or rgba().
 */
export function withAlpha(color: string, alpha: number): string {
  scratch ??= document.createElement('canvas').getContext('2d');
  if (!scratch) return color;
  scratch.fillStyle = '#000000';
  scratch.fillStyle = color;
  const normal = String(scratch.fillStyle);
  const a = Math.max(0, Math.min(1, alpha));
  if (normal.startsWith('#')) {
    const n = parseInt(normal.slice(1, 7), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
  }
  const m = /rgba?\(([^)]+)\)/.exec(normal);
  if (!m) return color;
  const [r, g, b, a0] = m[1].split(',').map((x) => parseFloat(x));
  return `rgba(${r}, ${g}, ${b}, ${a * (Number.isFinite(a0) ? a0 : 1)})`;
}
