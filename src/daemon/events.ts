/**
 * The daemon's event bus: every state change publishes a Docker-shaped event (`docker events`), kept in a
 * bounded ring so `since` can replay recent history.
 */
export interface EngineEvent {
  Type: 'container' | 'image' | 'network' | 'volume' | 'daemon' | 'plugin' | 'builder';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
  // Deprecated top-level fields that older clients (compose v1, docker-py) still read for containers.
  status?: string;
  id?: string;
  from?: string;
}

export type EventListener = (e: EngineEvent) => void;

const RING_SIZE = 1024;

export class EventBus {
  private readonly ring: EngineEvent[] = [];
  private readonly listeners = new Set<EventListener>();

  publish(type: EngineEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): EngineEvent {
    const nowNs = BigInt(Date.now()) * 1_000_000n + process.hrtime.bigint() % 1_000_000n;
    const e: EngineEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Number(nowNs / 1_000_000_000n),
      timeNano: Number(nowNs),
    };
    if (type === 'container' || type === 'image') {
      e.status = action;
      e.id = id;
      if (type === 'container' && attributes.image) e.from = attributes.image;
    }
    this.ring.push(e);
    if (this.ring.length > RING_SIZE) this.ring.shift();
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Past events at or after `sinceNs` (in the ring), then live ones until the returned unsubscribe is called. */
  subscribe(listener: EventListener, o: { sinceNs?: bigint } = {}): () => void {
    if (o.sinceNs !== undefined) {
      for (const e of this.ring) if (BigInt(e.timeNano) >= o.sinceNs) listener(e);
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Docker's event filters: type, event (action), container, image, label, network, volume, daemon. */
export function matchesEventFilters(e: EngineEvent, filters: Map<string, string[]>): boolean {
  const any = (key: string, pred: (v: string) => boolean) => {
    const vs = filters.get(key);
    return !vs || vs.length === 0 || vs.some(pred);
  };
  const attrs = e.Actor.Attributes;
  return (
    any('type', (v) => v === e.Type) &&
    any('event', (v) => v === e.Action || e.Action.startsWith(v + ':')) &&
    any('container', (v) => e.Type === 'container' && (e.Actor.ID.startsWith(v) || attrs.name === v)) &&
    any('image', (v) => (e.Type === 'image' && (e.Actor.ID === v || attrs.name === v)) || attrs.image === v) &&
    any('network', (v) => e.Type === 'network' && (e.Actor.ID.startsWith(v) || attrs.name === v)) &&
    any('volume', (v) => e.Type === 'volume' && e.Actor.ID === v) &&
    any('label', (v) => {
      const eq = v.indexOf('=');
      return eq < 0 ? v in attrs : attrs[v.slice(0, eq)] === v.slice(eq + 1);
    })
  );
}
