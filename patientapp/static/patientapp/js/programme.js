// The approved programme: each exercise with its instructions, the week's training days
// and sessions, and logging a session with pain before and after. The last programme
// loaded is kept on the phone (localStorage) so it can be followed offline.
import {all, api, explain} from "./api.js";
import {$, el, requireSignIn, show} from "./shell.js";

const KEY = "bt.programme";
const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
let programme = null;

function isoDay(date) {
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
}

function weekDates() {
  const today = new Date();
  const monday = new Date(today);
  monday.setDate(today.getDate() - ((today.getDay() + 6) % 7));
  return DAYS.map((_, k) => { const d = new Date(monday); d.setDate(monday.getDate() + k); return d; });
}

function dose(item) {
  const parts = [];
  if (item.sets) parts.push(`${item.sets} sets`);
  if (item.reps) parts.push(`${item.reps} repetitions`);
  if (item.hold_seconds) parts.push(`hold ${item.hold_seconds} s`);
  if (item.minutes) parts.push(`${item.minutes} minutes`);
  return parts.join(", ");
}

function renderExercises(data) {
  $("#exercise-list").replaceChildren(...data.programme.items.map((item) => {
    const details = data.exercises[item.exercise.id] || {};
    const steps = String(details.instructions || "").split(/\n+/).filter(Boolean);
    return el("li", {class: "card exercise"},
      el("h3", {}, item.exercise.name),
      details.image ? el("img", {src: details.image, alt: `How to do ${item.exercise.name}`, class: "exercise-img"}) : null,
      el("p", {class: "dose"}, dose(item)),
      details.purpose ? el("p", {}, details.purpose) : null,
      details.starting_position ? el("p", {}, el("strong", {}, "Start: "), details.starting_position) : null,
      steps.length ? el("ol", {}, ...steps.map((step) => el("li", {}, step))) : null,
      details.cautions ? el("p", {class: "note"}, el("strong", {}, "Take care: "), details.cautions) : null);
  }));
  show("#exercises");
}

function renderWeek(data) {
  const sessions = new Set(data.sessions.map((session) => session.performed_on));
  const training = new Set(data.programme.schedule_days || []);
  const today = isoDay(new Date());
  let done = 0;
  $("#week-days").replaceChildren(...weekDates().map((date, k) => {
    const day = isoDay(date);
    const did = sessions.has(day);
    if (did) done += 1;
    const state = did ? "done" : training.has(k) ? "training day" : "rest day";
    return el("li", {class: `day ${did ? "done" : ""} ${training.has(k) ? "training" : ""}`,
                     "aria-current": day === today ? "date" : false},
      el("span", {class: "name"}, DAYS[k]), el("span", {class: "mark", "aria-hidden": "true"}, did ? "✓" : training.has(k) ? "•" : ""),
      el("span", {class: "visually-hidden"}, ` ${state}`));
  }));
  $("#week-summary").textContent = training.size
    ? `${done} of ${training.size} sessions done this week.` : `${done} sessions done this week.`;
  show("#week");
}

async function fetchAll() {
  const page = await api("GET", "programmes?page_size=1");
  const current = page.results[0];
  if (!current) return null;
  const exercises = {};
  await Promise.all(current.items.map(async (item) => {
    exercises[item.exercise.id] = await api("GET", `exercises/${item.exercise.id}`).catch(() => ({}));
  }));
  const sessions = await all(`sessions?programme=${current.id}`);
  return {programme: current, exercises, sessions};
}

async function load() {
  let data = null;
  try {
    data = await fetchAll();
    if (data) localStorage.setItem(KEY, JSON.stringify(data));
    else localStorage.removeItem(KEY);
  } catch {
    try { data = JSON.parse(localStorage.getItem(KEY)); } catch { data = null; }
    show("#offline-note", Boolean(data));
  }
  if (!data) { show("#no-programme"); return; }
  programme = data.programme;
  renderWeek(data);
  renderExercises(data);
  show("#log");
}

function main() {
  if (!requireSignIn()) return;
  for (const name of ["pain_before", "pain_after"]) {
    $(`#${name}`).addEventListener("input", (event) => { $(`#${name}_out`).textContent = event.target.value; });
  }
  $("#log-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    $("#log-error").textContent = "";
    try {
      await api("POST", "sessions", {
        programme: programme.id, pain_before: Number(form.pain_before.value),
        pain_after: Number(form.pain_after.value), difficulty: Number(form.difficulty.value),
        notes: form.notes.value,
        exercises: programme.items.map((item) => ({exercise: item.exercise.slug, sets_done: item.sets || 1})),
      });
    } catch (error) {
      $("#log-error").textContent = explain(error);
      return;
    }
    $("#log-done").textContent = "Well done: today's session is saved.";
    form.reset();
    $("#pain_before_out").textContent = "0";
    $("#pain_after_out").textContent = "0";
    await load();
  });
  load();
}

main();
