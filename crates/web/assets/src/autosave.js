// Waymark: saves what is typed in a long form as it is typed, so nothing is lost if the
// connection drops or the page is closed. Generic: any form with data-autosave-url, and in it
// any textarea or input with data-autosave="<part>".
//
// Each box is sent on its own (`part`, `text`, and the form's CSRF token in a header) a moment
// after typing stops, and when the cursor leaves it. The line with id "<box id>-status" says
// "Saving…", "Saved at 2:45pm", or that it will try again; a failed save is retried, waiting a
// little longer each time (up to a minute), and again as soon as the browser is back online.
// Without this script the form's own buttons save everything.
const TYPING_PAUSE_MS = 1200;
const FIRST_RETRY_MS = 3000;
const LONGEST_RETRY_MS = 60000;

for (const form of document.querySelectorAll("form[data-autosave-url]")) {
  const url = form.dataset.autosaveUrl;
  const token = form.querySelector("input[name=csrf_token]")?.value ?? "";
  const boxes = [...form.querySelectorAll("[data-autosave]")];
  const saved = new Map(boxes.map((box) => [box, box.value]));
  const timers = new Map();
  const retries = new Map();
  const inFlight = new Set();

  const status = (box, text) => {
    const line = document.getElementById(box.id + "-status");
    if (line) line.textContent = text;
  };

  const schedule = (box, wait) => {
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(() => save(box), wait));
  };

  const save = async (box) => {
    clearTimeout(timers.get(box));
    const text = box.value;
    if (saved.get(box) === text) {
      // Typed and put back as it was: nothing to send.
      if (document.getElementById(box.id + "-status")?.textContent === "Saving…") {
        status(box, "Saved");
      }
      return;
    }
    // One request per box at a time; a newer text is saved when this one returns.
    if (inFlight.has(box)) {
      schedule(box, TYPING_PAUSE_MS);
      return;
    }
    inFlight.add(box);
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ part: box.dataset.autosave, text }),
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      const answer = await response.json();
      saved.set(box, text);
      retries.delete(box);
      if (box.value === text) status(box, "Saved at " + answer.saved_at);
    } catch (error) {
      const wait = Math.min((retries.get(box) ?? FIRST_RETRY_MS / 2) * 2, LONGEST_RETRY_MS);
      retries.set(box, wait);
      status(box, "Not saved yet. Check your internet connection. We will try again.");
      schedule(box, wait);
    } finally {
      inFlight.delete(box);
    }
  };

  for (const box of boxes) {
    box.addEventListener("input", () => {
      status(box, "Saving…");
      schedule(box, TYPING_PAUSE_MS);
    });
    box.addEventListener("blur", () => save(box));
  }
  window.addEventListener("online", () => boxes.forEach((box) => save(box)));
  // Sending the form saves everything anyway: stop the timers so they do not race it.
  form.addEventListener("submit", () => boxes.forEach((box) => clearTimeout(timers.get(box))));
}
