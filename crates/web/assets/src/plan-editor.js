// Waymark: the plan editor saves the section being typed a moment after typing stops, and
// when the cursor leaves it, so nothing is lost to a dropped connection. If a save fails it is
// tried again; the status line under each section says what happened. Without this script
// the form still works: "Save as a new version" sends every section.
const form = document.querySelector("form[data-autosave-url]");
if (form) {
  const url = form.dataset.autosaveUrl;
  const token = form.querySelector("input[name=csrf_token]").value;
  const timers = new Map();
  const saved = new Map();

  const status = (area, text) => {
    const line = document.getElementById(area.id + "-status");
    if (line) line.textContent = text;
  };

  const save = async (area) => {
    const text = area.value;
    if (saved.get(area.id) === text) return;
    const body = new URLSearchParams({ section: area.dataset.section, text });
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
        body,
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const answer = await response.json();
      saved.set(area.id, text);
      status(area, "Saved automatically at " + answer.saved_at);
    } catch (error) {
      status(area, "Not saved yet: check your connection. Trying again.");
      schedule(area, 5000);
    }
  };

  const schedule = (area, wait) => {
    clearTimeout(timers.get(area.id));
    timers.set(area.id, setTimeout(() => save(area), wait));
  };

  for (const area of form.querySelectorAll("textarea[data-section]")) {
    saved.set(area.id, area.value);
    area.addEventListener("input", () => {
      status(area, "Saving…");
      schedule(area, 1200);
    });
    area.addEventListener("blur", () => save(area));
  }
}
