// The page a badge or room QR code opens: send its check-in at once. The
// state change is a POST (never the GET a link preview may make); without
// scripts, the button does the same.
const _ = (text) => (typeof window.gettext === "function" ? window.gettext(text) : text);

const form = document.getElementById("checkin-form");
if (form && form.dataset.autoSubmit === "true") {
  const status = document.getElementById("checkin-status");
  if (status) status.textContent = _("Checking in…");
  form.querySelector("button").disabled = true;
  form.submit();
}
