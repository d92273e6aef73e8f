// Durations as people type and read them: "90s", "5m" in; "90 s", "5 min", "3 h", "2 days" out;
// and how long ago something happened, as gh's tables say it ("3 days ago").

/** The longest --timeout we accept: a browser sign-in nobody finished within a day is abandoned (and timers overflow at ~24.8 days). */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** "5m", "90s", "300" (seconds), "1h" → milliseconds; undefined when not a duration from 1 ms to a day. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?$/i.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'h' ? n * 3_600_000 : n * 60_000;
  return ms > 0 && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** 45 s, 90 s, 2 min, 59 min, 3 h, 2 days: exact below two minutes, rounded above. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 36) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

/** "just now", "5 minutes ago", "3 days ago", "2 months ago", "about 1 year ago". */
export function timeAgo(iso: string, now = Date.now()): string {
  const then = Date.parse(iso);
  if (!Number.isFinite(then)) return '';
  const s = Math.max(0, Math.round((now - then) / 1000));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'} ago`;
  if (s < 60) return 'just now';
  const m = Math.floor(s / 60);
  if (m < 60) return unit(m, 'minute');
  const h = Math.floor(m / 60);
  if (h < 24) return unit(h, 'hour');
  const d = Math.floor(h / 24);
  if (d < 30) return unit(d, 'day');
  const mo = Math.floor(d / 30.44);
  if (mo < 12) return unit(Math.max(1, mo), 'month');
  return `about ${unit(Math.floor(d / 365.25), 'year')}`;
}
