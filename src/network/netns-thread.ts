/**
 * Worker-thread entry of the netns helper (see netns.ts). A thread's network namespace is its own: this thread
 * enters a container's netns (or creates one) just long enough to open a netlink socket there, then returns to
 * the namespace it started in. The daemon's other threads never change namespace. The socket keeps the netns
 * it was opened in, and file descriptors are process-wide, so the main thread uses it directly.
 * If the thread ever fails to return to its namespace it exits, taking its wrong namespace with it.
 */
import { parentPort } from 'node:worker_threads';
import { CLONE_NEWNET, openNetlinkFd, sys } from './netlink.ts';

export type NetnsRequest =
  | { id: number; op: 'create'; path: string; protocol: number }
  | { id: number; op: 'socket'; path: string; protocol: number };
export type NetnsReply = { id: number; fd: number } | { id: number; error: { message: string; code?: string } };

const home = sys.openRead('/proc/thread-self/ns/net');

function goHome(): void {
  try {
    sys.setns(home, CLONE_NEWNET);
  } catch {
    process.exit(70);
  }
}

function handle(m: NetnsRequest): number {
  if (m.op === 'create') {
    sys.unshare(CLONE_NEWNET);
    try {
      sys.bindMount('/proc/thread-self/ns/net', m.path);
      return openNetlinkFd(m.protocol);
    } finally {
      goHome();
    }
  }
  const ns = sys.openRead(m.path);
  try {
    sys.setns(ns, CLONE_NEWNET);
    try {
      return openNetlinkFd(m.protocol);
    } finally {
      goHome();
    }
  } finally {
    sys.close(ns);
  }
}

parentPort!.on('message', (m: NetnsRequest) => {
  let reply: NetnsReply;
  try {
    reply = { id: m.id, fd: handle(m) };
  } catch (err) {
    reply = { id: m.id, error: { message: (err as Error).message, code: (err as { code?: string }).code } };
  }
  parentPort!.postMessage(reply);
});
