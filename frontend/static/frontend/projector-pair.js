// A room PC that scanned the console's code arrives with the code after "#"
// (a fragment never reaches a server's log): fill it in and pair at once.
const code = decodeURIComponent(window.location.hash.slice(1));
const form = document.getElementById("pair-form");
if (code && form && !document.getElementById("pair-error")) {
  document.getElementById("pair-code").value = code;
  window.history.replaceState(null, "", window.location.pathname);
  form.requestSubmit();
}
