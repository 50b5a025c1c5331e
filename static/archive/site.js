// Copy buttons: shown only where the clipboard works, so without JavaScript nothing is broken.
document.querySelectorAll("button.copy").forEach((button) => {
  if (!navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copy).textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = button.dataset.done || "已复制";
    } catch {
      button.textContent = button.dataset.failed || "请手动复制";
    }
  });
});

// The article's text size works without this script (CSS reads the checked radio button); the
// script only remembers the reader's choice for the next article.
document.querySelectorAll("input[name=text-size]").forEach((radio) => {
  let saved = null;
  try { saved = localStorage.getItem("text-size"); } catch { /* storage blocked */ }
  if (saved && radio.value === saved) radio.checked = true;
  radio.addEventListener("change", () => {
    try { localStorage.setItem("text-size", radio.value); } catch { /* storage blocked */ }
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
