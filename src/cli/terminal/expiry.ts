// When a token expires, as a person reads it.
import { formatDuration } from '../../duration.js';

export function formatExpiry(expiresAt: string | undefined | null, now = Date.now()): string {
  if (!expiresAt) return 'does not expire';
  const ms = Date.parse(expiresAt) - now;
  if (ms <= 0) return `expired ${formatDuration(-ms)} ago`;
  return `expires in ${formatDuration(ms)} (${expiresAt})`;
}
