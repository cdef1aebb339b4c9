// A field of several handles ("alice, boris") with a <datalist> of people the member follows:
// the browser suggests whole values, so each suggestion is rewritten to keep the handles
// already typed and complete only the last one. Without this file the list still suggests
// the first handle.
(() => {
  "use strict";

  const complete = (input) => {
    const list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    if (!list.dataset.handles) {
      list.dataset.handles = [...list.options].map((option) => option.value).join(" ");
    }
    const cut = input.value.lastIndexOf(",");
    const typed = cut < 0 ? "" : input.value.slice(0, cut + 1) + " ";
    const chosen = new Set(typed.split(/[\s,;@]+/).filter(Boolean).map((h) => h.toLowerCase()));
    const options = list.dataset.handles
      .split(" ")
      .filter((handle) => handle && !chosen.has(handle.toLowerCase()))
      .map((handle) => new Option(handle, typed + handle));
    list.replaceChildren(...options);
  };

  document.addEventListener("input", (event) => {
    if (event.target.matches?.("input[list='people-you-follow']")) complete(event.target);
  });
})();
