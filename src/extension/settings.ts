// Setting keys, declared once (package.json's "configuration" uses the same names), and
// the typed read of them that turns settings into engine options.
import * as vscode from 'vscode';
import type { ExecutorKind } from '../shared/report';

export const SECTION = 'workloadProfiler';

/** Keys relative to SECTION. */
export const SettingKeys = {
  budgetSeconds: 'budgetSeconds',
  maxConcurrencyAsync: 'maxConcurrency.async',
  maxConcurrencyThread: 'maxConcurrency.thread',
  maxConcurrencyProcess: 'maxConcurrency.process',
  executors: 'executors',
  codeLensEnabled: 'codeLens.enabled',
  pythonPath: 'pythonPath',
  historySize: 'historySize',
  callTimeoutSeconds: 'callTimeoutSeconds',
  memoryLimitMb: 'memoryLimitMb',
  returnResults: 'returnResults',
  redisUrl: 'redisUrl',
} as const;

export type SettingKey = (typeof SettingKeys)[keyof typeof SettingKeys];

export function fullKey(key: SettingKey): string {
  return `${SECTION}.${key}`;
}

export interface ProfilerSettings {
  budgetSeconds: number;
  maxConcurrency: Partial<Record<ExecutorKind, number>>;
  executors: ExecutorKind[];
  codeLensEnabled: boolean;
  pythonPath: string | undefined;
  historySize: number;
  callTimeoutSeconds: number;
  memoryLimitMb: number;
  returnResults: boolean;
  /** The distributed executor's Redis; undefined = start our own redis-server. */
  redisUrl: string | undefined;
}

const EXECUTORS: readonly ExecutorKind[] = ['sequential', 'async', 'thread', 'process', 'distributed'];
/** The default set: 'distributed' is opt-in (it needs Redis). */
const DEFAULT_EXECUTORS: readonly ExecutorKind[] = ['sequential', 'async', 'thread', 'process'];

export function readSettings(scope?: vscode.Uri): ProfilerSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const positive = (key: SettingKey, fallback: number, max: number) => clamp(c.get<number>(key), fallback, 1, max);
  const maxConcurrency: Partial<Record<ExecutorKind, number>> = {
    async: positive(SettingKeys.maxConcurrencyAsync, 128, 4096),
    thread: positive(SettingKeys.maxConcurrencyThread, 64, 1024),
  };
  // 0 means "let the engine decide" (cores × 2).
  const process = clamp(c.get<number>(SettingKeys.maxConcurrencyProcess), 0, 0, 1024);
  if (process > 0) maxConcurrency.process = process;
  const executors = (c.get<unknown[]>(SettingKeys.executors) ?? []).filter((e): e is ExecutorKind =>
    EXECUTORS.includes(e as ExecutorKind),
  );
  const pythonPath = c.get<string>(SettingKeys.pythonPath)?.trim();
  return {
    budgetSeconds: clamp(c.get<number>(SettingKeys.budgetSeconds), 15, 1, 3600),
    maxConcurrency,
    executors: executors.length ? [...new Set(executors)] : [...DEFAULT_EXECUTORS],
    codeLensEnabled: c.get<boolean>(SettingKeys.codeLensEnabled) ?? true,
    pythonPath: pythonPath ? pythonPath : undefined,
    historySize: Math.round(clamp(c.get<number>(SettingKeys.historySize), 50, 1, 1000)),
    callTimeoutSeconds: clamp(c.get<number>(SettingKeys.callTimeoutSeconds), 30, 1, 3600),
    memoryLimitMb: clamp(c.get<number>(SettingKeys.memoryLimitMb), 1024, 64, 65536),
    returnResults: c.get<boolean>(SettingKeys.returnResults) !== false,
    redisUrl: c.get<string>(SettingKeys.redisUrl)?.trim() || undefined,
  };
}

/** settings.json is hand-edited: out-of-range or mistyped values fall back instead of reaching the engine. */
function clamp(value: number | undefined, fallback: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

export function affectsSetting(e: vscode.ConfigurationChangeEvent, key: SettingKey): boolean {
  return e.affectsConfiguration(fullKey(key));
}
