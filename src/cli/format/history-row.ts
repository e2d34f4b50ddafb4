/** The fields docker's history formatter offers (cli/command/formatter/history.go). */
import type { ImageHistoryItem } from '../../client/types.ts';
import { ellipsis, truncateId } from './container-row.ts';
import { humanSizeWithPrecision, timeAgo } from './units.ts';

export const HISTORY_HEADERS: Record<string, string> = {
  ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT',
};
export const DEFAULT_HISTORY_TABLE = '{{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

/** Go's time.RFC3339 in local time. */
function rfc3339(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = -date.getTimezoneOffset();
  const zone = off === 0 ? 'Z' : `${off < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}${zone}`;
}

export class HistoryRow {
  private readonly h: ImageHistoryItem;
  private readonly trunc: boolean;
  private readonly human: boolean;
  constructor(h: ImageHistoryItem, o: { trunc: boolean; human: boolean }) {
    this.h = h;
    this.trunc = o.trunc;
    this.human = o.human;
  }
  get ID(): string {
    return this.trunc && this.h.Id !== '<missing>' ? truncateId(this.h.Id) : this.h.Id;
  }
  get CreatedSince(): string {
    return this.human ? timeAgo(this.h.Created) : rfc3339(new Date(this.h.Created * 1000));
  }
  get CreatedAt(): string {
    return rfc3339(new Date(this.h.Created * 1000));
  }
  get CreatedBy(): string {
    const by = this.h.CreatedBy.replace(/\t/g, ' ');
    return this.trunc ? ellipsis(by, 45) : by;
  }
  get Size(): string {
    return this.human ? humanSizeWithPrecision(this.h.Size, 3) : String(this.h.Size);
  }
  get Comment(): string {
    return this.h.Comment;
  }
  toJSON(): Record<string, unknown> {
    return { Comment: this.Comment, CreatedAt: this.CreatedAt, CreatedBy: this.CreatedBy, CreatedSince: this.CreatedSince, ID: this.ID, Size: this.Size };
  }
}
