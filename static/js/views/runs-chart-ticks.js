// Axis ticks for the Runs chart, computed here because the vendored Chart.js has no date adapter:
// time ticks that follow the span of the runs (hours for a day of runs, days for weeks), and
// duration ticks at round values ("1 s", "10 s", "1 min", "10 min", "1 h") in one format.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY];
const MAX_TIME_TICKS = 8;

const timeLabel = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayLabel = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

function localMidnight(ms) {
  const date = new Date(ms);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/**
 * The x range and ticks for runs started between `first` and `last` (ms): the range ends at the
 * last run (a little padding, no empty future), ticks every hour(s) when the span is short and
 * every day(s) when it is long. Returns {min, max, step, ticks: [{value, label}]}, where label is
 * one line, or two (time over day) where the day changes.
 */
export function timeTicks(first, last) {
  const span = last - first;
  const pad = span ? Math.max(span * 0.03, MINUTE) : HOUR;
  const min = first - pad;
  const max = last + pad;
  const step = TIME_STEPS.find((s) => (max - min) / s <= MAX_TIME_TICKS) || Math.ceil((max - min) / MAX_TIME_TICKS / DAY) * DAY;
  const ticks = [];
  if (step < DAY) {
    let value = localMidnight(min);
    while (value < min) value += step;
    let previousDay = null;
    for (; value <= max; value += step) {
      const day = dayLabel.format(value);
      ticks.push({ value, label: day === previousDay ? timeLabel.format(value) : [timeLabel.format(value), day] });
      previousDay = day;
    }
  } else {
    const days = step / DAY;
    const start = new Date(localMidnight(min));
    if (start.getTime() < min) start.setDate(start.getDate() + 1);
    for (const date = start; date.getTime() <= max; date.setDate(date.getDate() + days)) {
      ticks.push({ value: date.getTime(), label: dayLabel.format(date) });
    }
  }
  return { min, max, step, ticks };
}

/** A round duration in one format: 0.5 → "0.5 s", 10 → "10 s", 90 → "1.5 min", 3600 → "1 h". */
export function durationTick(seconds) {
  const round = (n) => String(Math.round(n * 10) / 10);
  if (seconds < 60) return `${round(seconds)} s`;
  if (seconds < 3600) return `${round(seconds / 60)} min`;
  return `${round(seconds / 3600)} h`;
}

// Log scale: the decades of time people think in, and finer round values for a narrow range.
const LOG_COARSE = [0.1, 1, 10, 60, 600, 3600, 36_000];
const LOG_FINE = [0.1, 0.5, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 18_000, 36_000];
// Linear scale: a step that gives at most six intervals.
const LINEAR_STEPS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18_000];

/** The y range and ticks (seconds) for durations from `low` to `high`: {min, max, ticks}. */
export function durationTicks(low, high, logarithmic) {
  if (logarithmic) {
    const pick = (list) => {
      const from = [...list].reverse().find((v) => v <= low) ?? list[0];
      const to = list.find((v) => v >= high) ?? list.at(-1);
      return list.filter((v) => v >= from && v <= to);
    };
    let ticks = pick(LOG_COARSE);
    if (ticks.length < 4) ticks = pick(LOG_FINE);
    return { min: ticks[0], max: ticks.at(-1), ticks };
  }
  const step = LINEAR_STEPS.find((s) => high / s <= 6) || Math.ceil(high / 6 / 3600) * 3600;
  const top = Math.max(step, Math.ceil(high / step) * step);
  const ticks = [];
  for (let value = 0; value <= top + step / 2; value += step) ticks.push(value);
  return { min: 0, max: top, ticks };
}
