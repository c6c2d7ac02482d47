// Runs one profile at a time: the engine gets an AbortSignal wired to the progress
// notification's Cancel button, and a second request while one runs is refused with a
// message (queueing would make the user wait on a run they may not remember starting).
import * as vscode from 'vscode';
import type { ProfileOptions, ProgressEvent } from '../shared/options';
import type { Report } from '../shared/report';
import { ProfileError } from '../shared/errors';
import { ContextKeys } from './commandIds';
import { Disposable } from './dispose';
import { executorAt } from '../webview/labels';

export type RunOutcome =
  | { kind: 'ok'; report: Report }
  | { kind: 'failed'; error: ProfileError }
  | { kind: 'cancelled' }
  | { kind: 'busy'; running: string };

export class ProfileRunner extends Disposable {
  private current: { label: string; controller: AbortController } | undefined;
  private readonly stateChanged = this.register(new vscode.EventEmitter<boolean>());
  readonly onDidChangeRunning = this.stateChanged.event;

  constructor() {
    super();
    this.register({ dispose: () => this.cancel() });
  }

  get running(): string | undefined {
    return this.current?.label;
  }

  cancel(): void {
    this.current?.controller.abort();
  }

  async run(options: ProfileOptions): Promise<RunOutcome> {
    if (this.current) return { kind: 'busy', running: this.current.label };
    const controller = new AbortController();
    const label = options.functionName;
    this.current = { label, controller };
    this.setRunning(true);
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Profiling ${label}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          // The engine, Babel and the pool libraries load here, on the first run.
          // The engine runs in a process of its own, so a native crash in a worker
          // thread cannot take the extension host down.
          const { profileInEngineProcess: profile } = await import('../engine/engineProcess.js');
          let reported = 0;
          return profile(options, {
            signal: controller.signal,
            onProgress: (e: ProgressEvent) => {
              const percent = Math.round(Math.min(1, Math.max(0, e.fraction)) * 100);
              progress.report({ message: progressMessage(e), increment: Math.max(0, percent - reported) });
              reported = Math.max(reported, percent);
            },
          });
        },
      );
      return { kind: 'ok', report };
    } catch (e) {
      if (controller.signal.aborted || (isProfileError(e) && e.code === 'cancelled')) return { kind: 'cancelled' };
      if (isProfileError(e)) return { kind: 'failed', error: e };
      const err = e as Error;
      return { kind: 'failed', error: new ProfileError('internal', `Workload Profiler failed: ${err?.message ?? String(e)}`) };
    } finally {
      this.current = undefined;
      this.setRunning(false);
    }
  }

  private setRunning(running: boolean): void {
    void vscode.commands.executeCommand('setContext', ContextKeys.running, running);
    this.stateChanged.fire(running);
  }
}

/** Works across bundles, where `instanceof` would not. */
export function isProfileError(e: unknown): e is ProfileError {
  return typeof e === 'object' && e !== null && (e as Error).name === 'ProfileError' && typeof (e as ProfileError).code === 'string';
}

function progressMessage(e: ProgressEvent): string {
  if (e.phase === 'run' && e.executor) return `measuring ${executorAt(e.executor, e.concurrency ?? 1)}`;
  return e.message;
}
