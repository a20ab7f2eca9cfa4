// The meeting preparation page: filter the union's members not on the roster
// as the officer types (the form works without it).
for (const input of document.querySelectorAll("[data-filter-for]")) {
  const list = document.getElementById(input.dataset.filterFor);
  input.addEventListener("input", () => {
    const query = input.value.trim().toLowerCase();
    for (const row of list.children) {
      row.hidden = query !== "" && !row.dataset.filterText.includes(query);
    }
  });
}
