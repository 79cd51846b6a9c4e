/**
 * RFC 9110 §10.2.3: `Retry-After = HTTP-date / delay-seconds`. Returns the wait in milliseconds
 * from `nowMs`, 0 for a date already past, or undefined when the value is absent or malformed (a
 * malformed header is ignored, as RFC 9110 lets a recipient do, and the schedule applies alone).
 */
export function parseRetryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  // delay-seconds = 1*DIGIT
  if (/^[0-9]+$/.test(text)) return Math.min(Number(text) * 1000, Number.MAX_SAFE_INTEGER);
  const dateMs = parseHttpDate(text);
  if (dateMs === undefined) return undefined;
  return Math.max(0, dateMs - nowMs);
}

// RFC 9110 §5.6.7: senders use IMF-fixdate; recipients also accept the two obsolete forms.
const IMF_FIXDATE = /^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;
const RFC850_DATE = /^[A-Z][a-z]+, [0-9]{2}-[A-Z][a-z]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}$/;

/**
 * Date.parse alone would accept junk ("1" is the year 2001) and read asctime, which carries no
 * zone, as local time; the patterns above admit only the three HTTP-date forms, and asctime is
 * pinned to GMT as RFC 9110 defines it.
 */
function parseHttpDate(text: string): number | undefined {
  let candidate: string;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) candidate = text;
  else if (ASCTIME_DATE.test(text)) candidate = `${text} GMT`;
  else return undefined;
  const ms = Date.parse(candidate);
  return Number.isNaN(ms) ? undefined : ms;
}
