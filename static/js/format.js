// Formatting for numbers, dates and durations, in the browser's locale.

const numberFormat = new Intl.NumberFormat();
const percentFormat = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });
const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export const EMPTY = "—";

export function formatNumber(value) {
  return value == null || Number.isNaN(Number(value)) ? EMPTY : numberFormat.format(value);
}

/** 0..1 → "93.3%". */
export function formatPercent(ratio) {
  return ratio == null ? EMPTY : percentFormat.format(ratio);
}

export function parseDate(value) {
  if (!value) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function formatDateTime(value) {
  const date = parseDate(value);
  return date ? dateTimeFormat.format(date) : EMPTY;
}

export function formatDate(value) {
  const date = parseDate(value);
  return date ? dateFormat.format(date) : EMPTY;
}

export function formatTime(value) {
  const date = parseDate(value);
  return date ? timeFormat.format(date) : EMPTY;
}

const RELATIVE_UNITS = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "yesterday", "just now". */
export function formatRelative(value, now = Date.now()) {
  const date = parseDate(value);
  if (!date) return EMPTY;
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  for (const [unit, size] of RELATIVE_UNITS) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return relativeFormat.format(Math.round(seconds / 60), "minute");
}

/** 0.4 → "0.4 s", 75 → "1m 15s", 7322 → "2h 2m". */
export function formatDuration(seconds) {
  if (seconds == null || Number.isNaN(Number(seconds))) return EMPTY;
  const total = Number(seconds);
  if (total < 10) return `${total.toFixed(1)} s`;
  if (total < 60) return `${Math.round(total)} s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = Math.round(total % 60);
  return hours ? `${hours}h ${minutes}m` : `${minutes}m ${secs}s`;
}

export function capitalize(text) {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
}

/** "a viewer", "an editor", "an admin". */
export function withArticle(word) {
  return `${/^[aeiou]/i.test(word) ? "an" : "a"} ${word}`;
}

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** "2026-06-04" (a calendar day, no time zone) → "Jun 4, 2026"; other values as formatDate. */
export function formatDay(value) {
  const match = typeof value === "string" ? DAY_PATTERN.exec(value) : null;
  if (!match) return formatDate(value);
  return dateFormat.format(new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
}

/** plural(3, "record") → "3 records"; plural(1, "entry", "entries") → "1 entry". */
export function plural(count, one, many = `${one}s`) {
  return `${formatNumber(count)} ${Number(count) === 1 ? one : many}`;
}
