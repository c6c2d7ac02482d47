// Owns the disposables a component registers, so that disposing the component releases
// all of them (the pattern of vscode-hexeditor's src/dispose.ts).
import type * as vscode from 'vscode';

export function disposeAll(disposables: vscode.Disposable[]): void {
  while (disposables.length) {
    try {
      disposables.pop()?.dispose();
    } catch (e) {
      console.error('[workload-profiler] dispose failed', e);
    }
  }
}

export abstract class Disposable implements vscode.Disposable {
  private disposed = false;
  private readonly owned: vscode.Disposable[] = [];

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeAll(this.owned);
  }

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  /** Takes ownership; a value registered after dispose() is released at once. */
  protected register<T extends vscode.Disposable>(value: T): T {
    if (this.disposed) value.dispose();
    else this.owned.push(value);
    return value;
  }
}

/** A plain function as a Disposable (timers, listeners on non-vscode emitters). */
export function toDisposable(fn: () => void): vscode.Disposable {
  return { dispose: fn };
}
