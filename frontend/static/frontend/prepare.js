// The meeting preparation page: filter the union's members not on the roster
// as the officer types, and show only the poll fields that matter for the
// poll's kind (the forms work without it: the server ignores the others).
for (const input of document.querySelectorAll("[data-filter-for]")) {
  const list = document.getElementById(input.dataset.filterFor);
  input.addEventListener("input", () => {
    const query = input.value.trim().toLowerCase();
    for (const row of list.children) {
      row.hidden = query !== "" && !row.dataset.filterText.includes(query);
    }
  });
}

/** Fields of other kinds hidden and left out of the form; live results only for named polls. */
function syncPollForm(form) {
  const kind = form.querySelector("[data-poll-kind]").value;
  for (const box of form.querySelectorAll("[data-show-for]")) {
    const show = box.dataset.showFor.split(" ").includes(kind);
    box.hidden = !show;
    for (const control of box.querySelectorAll("input, textarea, select")) {
      control.disabled = !show;
    }
  }
  const label = form.querySelector("[data-options-label]");
  label.textContent = kind === "election" ? label.dataset.election : label.dataset.choice;
  const secret = form.querySelector("[data-poll-secrecy]").value === "secret";
  const results = form.querySelector("[data-poll-results]");
  results.querySelector("option[value=live]").disabled = secret;
  if (secret) results.value = "hidden";
}

for (const form of document.querySelectorAll(".poll-form")) {
  syncPollForm(form);
  form.addEventListener("change", () => syncPollForm(form));
}
