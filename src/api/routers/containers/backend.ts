/** What the containers router needs from the daemon, split by role (moby router/container/backend.go). */
import type { Duplex, Writable } from 'node:stream';
import type { CreateRequest, CreateResponse, HostConfig, WaitCondition, WaitResponse } from '../../types/index.ts';

type Op = { signal?: AbortSignal };

export interface ContainerStateBackend {
  create(req: CreateRequest, o: { name?: string } & Op): Promise<CreateResponse>;
  start(ref: string, o: Op): Promise<void>;
  stop(ref: string, o: { timeout?: number; signal?: string }): Promise<void>;
  kill(ref: string, signal?: string): Promise<void>;
  restart(ref: string, o: { timeout?: number; signal?: string }): Promise<void>;
  pause(ref: string): Promise<void>;
  unpause(ref: string): Promise<void>;
  remove(ref: string, o: { force?: boolean; volumes?: boolean }): Promise<void>;
  wait(ref: string, condition: WaitCondition, o: Op): Promise<WaitResponse>;
  rename(ref: string, name: string): Promise<void>;
  update(ref: string, changes: HostConfig): Promise<{ Warnings: string[] }>;
}

export interface ContainerQueryBackend {
  /** Throws not-found for an unknown container (used to fail before streaming starts). */
  exists(ref: string): { id: string; tty: boolean };
  list(o: { all: boolean; limit?: number; size: boolean; filters: Map<string, string[]> }): Promise<unknown[]>;
  inspect(ref: string, o: { size: boolean }): Promise<unknown>;
  top(ref: string, psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }>;
  logs(ref: string, out: Writable, o: { stdout: boolean; stderr: boolean; follow: boolean; tail?: number; since?: number; until?: number; timestamps: boolean } & Op): Promise<void>;
  prune(filters: Map<string, string[]>): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }>;
  stats(ref: string, send: (v: unknown) => void, o: { stream: boolean; oneShot: boolean } & Op): Promise<void>;
}

export interface ContainerStreamBackend {
  /** Validates an attach before the connection is hijacked. */
  prepareAttach(ref: string): { tty: boolean };
  attach(ref: string, client: Duplex, o: { stdin: boolean; stdout: boolean; stderr: boolean; stream: boolean; logs: boolean; detachKeys?: string }): Promise<void>;
  resize(ref: string, size: { height: number; width: number }): Promise<void>;
}

export type ContainersBackend = ContainerStateBackend & ContainerQueryBackend & ContainerStreamBackend;
