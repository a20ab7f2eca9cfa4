// Translations from Django's JavaScript catalogue (/jsi18n/, loaded by every
// page before the modules); the English text where it is missing.
export const _ = (text) => (typeof window.gettext === "function" ? window.gettext(text) : text);

export const ngettext = (singular, plural, count) =>
  typeof window.ngettext === "function"
    ? window.ngettext(singular, plural, count)
    : count === 1
      ? singular
      : plural;

// A word whose translation depends on its use ("Open": the button, or a poll's state).
export const pgettext = (context, text) =>
  typeof window.pgettext === "function" ? window.pgettext(context, text) : text;

export const interpolate = (format, values) =>
  typeof window.interpolate === "function"
    ? window.interpolate(format, values, true)
    : format.replace(/%\((\w+)\)s/g, (match, key) => values[key]);

// --- numbers, dates and times in the page's language ------------------------------
// The page's <html lang> is the member's language (meetings/language.py). Arabic
// gets Arabic-Indic digits where Intl gives them; codes, fingerprints and hashes
// are text, never passed through these.

/** The page's language, for Intl. */
export const pageLocale = () => document.documentElement.lang || "en";

const formatters = new Map();

function formatter(kind, options) {
  const key = `${kind}|${pageLocale()}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    const Format = kind === "number" ? Intl.NumberFormat : Intl.DateTimeFormat;
    try {
      found = new Format(pageLocale(), options);
    } catch {
      found = new Format("en", options);
    }
    formatters.set(key, found);
  }
  return found;
}

/**
 * A count or a decimal: 1234 -> "1,234" (en), "1.234" (vi), "١٬٢٣٤" (ar).
 * Decimal strings ("29.5000", weights) keep their exact value: Intl reads
 * strings as decimals, not floats. Up to four decimals by default.
 */
export function formatNumber(value, options = {}) {
  const number = typeof value === "string" ? value.trim() : value;
  if (number === "" || number === null || number === undefined) return "";
  if (typeof number === "string" && !/^-?\d+(\.\d+)?$/.test(number)) return number;
  return formatter("number", { maximumFractionDigits: 4, ...options }).format(number);
}

/** A share (0.25 -> "25%", "٢٥٪"); `digits` decimals at most. */
export function formatPercent(fraction, digits = 1) {
  return formatter("number", { style: "percent", maximumFractionDigits: digits }).format(
    Number(fraction) || 0,
  );
}

/** The meeting's time zone (<html data-time-zone>, from the server), if any:
 * times are read where the meeting is, not where the reader's device is. */
export const pageTimeZone = () => document.documentElement.dataset.timeZone || undefined;

function zoned(options) {
  const timeZone = pageTimeZone();
  return timeZone ? { ...options, timeZone } : options;
}

function asDate(value) {
  return value instanceof Date ? value : new Date(value);
}

/** A time of day (ISO string, epoch ms or Date): "14:05", "2:05 PM", "١٤:٠٥". */
export function formatTime(value) {
  return formatter("date", zoned({ hour: "numeric", minute: "2-digit" })).format(asDate(value));
}

/** A date and time, medium date and short time, in the page's language. */
export function formatDateTime(value) {
  return formatter("date", zoned({ dateStyle: "medium", timeStyle: "short" })).format(
    asDate(value),
  );
}

/** A duration as a clock, "mm:ss" (or "h:mm:ss"), in the page's digits. */
export function formatClock(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  const two = (n) => formatNumber(n, { minimumIntegerDigits: 2, useGrouping: false });
  const hours = Math.floor(seconds / 3600);
  const rest = `${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`;
  return hours ? `${formatNumber(hours, { useGrouping: false })}:${rest}` : rest;
}
