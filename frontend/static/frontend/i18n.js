// Translations from Django's JavaScript catalogue (/jsi18n/, loaded by every
// page before the modules); the English text where it is missing.
export const _ = (text) => (typeof window.gettext === "function" ? window.gettext(text) : text);

export const ngettext = (singular, plural, count) =>
  typeof window.ngettext === "function"
    ? window.ngettext(singular, plural, count)
    : count === 1
      ? singular
      : plural;

export const interpolate = (format, values) =>
  typeof window.interpolate === "function"
    ? window.interpolate(format, values, true)
    : format.replace(/%\((\w+)\)s/g, (match, key) => values[key]);
