/** Human-readable units for CLI output; the go-units rules themselves live in lib/human.ts. */
export { humanDuration, timeAgo, formatG, humanSizeWithPrecision, humanSize, bytesSize } from '../../lib/human.ts';

/** Go's time.Time.String() in local time: "2006-01-02 15:04:05 -0700 MST". */
export function goTimeString(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const offsetMin = -date.getTimezoneOffset();
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const zone = offsetMin === 0 ? 'UTC' : zoneAbbreviation(date) ?? `${sign}${pad(Math.trunc(abs / 60))}`;
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ` +
    `${sign}${pad(Math.trunc(abs / 60))}${pad(abs % 60)} ${zone}`
  );
}

function zoneAbbreviation(date: Date): string | undefined {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName');
  return part && !part.value.startsWith('GMT') ? part.value : undefined;
}
