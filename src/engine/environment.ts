// The machine a report was measured on, written the same way by every kind of profile
// (the ladder in profile.ts and queue mode in queue/profileQueue.ts).
import * as os from 'node:os';
import type { BackgroundLoad, Environment } from '../shared/report';

export function machineEnvironment(background: BackgroundLoad, python: Environment['python'] | undefined): Environment {
  return {
    cores: os.cpus().length,
    platform: os.platform(),
    arch: os.arch(),
    node: process.version,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    totalMemoryMb: Math.round(os.totalmem() / 2 ** 20),
    backgroundLoad: background,
    ...(python ? { python } : {}),
  };
}

/** libuv's pool size in the profiled processes (UV_THREADPOOL_SIZE, default 4). */
export function uvThreadpoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? n : 4;
}
