// What every load scenario gets and gives back. A scenario is one function
// from the context to its figures; `LOAD_ONLY` picks scenarios by id.

import type { Figure } from '../report.js';
import type { DeploymentKind } from './deployment.js';

/** One row of the load table: a row of the benchmark's table. */
export type LoadFigure = Figure;

export interface LoadOptions {
  /** Idle host sockets to open (`LOAD_SOCKETS`); fewer when the machine allows fewer open files. */
  sockets: number;
  /** How long they are held (`LOAD_HOLD_SECONDS`). */
  holdSeconds: number;
  /**
   * Where the server writes heap snapshots before and after a scenario's sockets (`LOAD_HEAP_SNAPSHOTS`), to see
   * where memory goes; null: none. Snapshots take seconds and memory: such a run writes only the partial results.
   */
  heapSnapshotDir: string | null;
  /** Guest joins in flight at once (`LOAD_JOINS_IN_FLIGHT`). */
  joinsInFlight: number;
  /** Deployments the joins and signals are measured on (`LOAD_DEPLOYMENTS`; default all: file, redis-1, redis-2). */
  deployments: DeploymentKind[];
}

export interface LoadContext {
  /** Root of the checkout whose built server is loaded (holds `dist/server/main.js`). */
  root: string;
  /** The probe loaded into the server process (bench/load/loop-probe.mjs). */
  probeFile: string;
  /** The bundled host-socket client (a process of its own). */
  clientFile: string;
  /** The bundled client of hosts and guests that join and signal (peer-client.ts, a process of its own). */
  peerClientFile: string;
  options: LoadOptions;
  log: (line: string) => void;
}

export interface LoadScenario {
  id: string;
  /** What it measures, for the report. */
  description: string;
  run(ctx: LoadContext): Promise<LoadFigure[]>;
}
