// Copy buttons: shown only where the clipboard works, so without JavaScript nothing is broken.
document.querySelectorAll("button.copy").forEach((button) => {
  if (!navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copy).textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "已复制";
    } catch {
      button.textContent = "请手动复制";
    }
  });
});

// Search forms: empty fields are not sent, so the address holds only what was asked for
// (the server redirects to the same clean address when scripts are off).
document.querySelectorAll("form[data-drop-empty]").forEach((form) => {
  form.addEventListener("submit", () => {
    form.querySelectorAll("input, select").forEach((field) => {
      // empty, or a select left at its default (sort by relevance, counts in the chart)
      if (field.name && (!field.value.trim() || field.value === field.dataset.default)) field.disabled = true;
    });
    // re-enable them if the page is shown again from the back/forward cache
    window.addEventListener("pageshow", () => form.querySelectorAll(":disabled").forEach((f) => { f.disabled = false; }), { once: true });
  });
});
