import {all, api, currentUser, signedIn} from "./api.js";
import {current} from "./flow.js";
import {$, show} from "./shell.js";
import {allRecordings} from "./store.js";

function mark(id, text) { $(`#${id} .state`).textContent = text ? `(${text})` : ""; }

async function main() {
  if (!signedIn()) { show("#welcome"); return; }
  show("#steps");
  const pending = (await allRecordings().catch(() => []))
    .filter((entry) => entry.owner === currentUser());
  if (pending.length) {
    const note = $("#pending-uploads");
    note.replaceChildren("A video is waiting to be sent. ",
      Object.assign(document.createElement("a"), {href: "/app/record/", textContent: "Send it now"}));
    show(note);
  }
  const state = current();
  mark("step-forward", state.forward ? "sent" : "");
  mark("step-backward", state.backward ? "sent" : "");
  try {
    const me = await api("GET", "me");
    if (me.first_name) $("#name").textContent = `, ${me.first_name}`;
    const [scores, instruments] = await Promise.all([all("prom-scores"), api("GET", "questionnaires")]);
    const done = new Set(scores.map((score) => score.instrument));
    mark("step-questionnaires", `${instruments.filter((i) => done.has(i.code)).length} of ${instruments.length} done`);
    const programmes = await api("GET", "programmes?page_size=1");
    const programme = programmes.results[0];
    if (programme) {
      const weekday = (new Date().getDay() + 6) % 7; // 0 = Monday, as the programme has it
      const sessions = await api("GET", `sessions?programme=${programme.id}&page_size=1`);
      const today = new Date();
      const iso = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
      const doneToday = sessions.results.some((session) => session.performed_on === iso);
      show("#training-day", (programme.schedule_days || []).includes(weekday) && !doneToday);
      mark("step-programme", "ready");
    }
    const assessments = await api("GET", "assessments?page_size=1");
    const latest = assessments.results[0];
    if (latest) mark("step-result", latest.result ? "ready" : latest.status === "done" ? "being reviewed" : `${latest.percent}%`);
  } catch { /* offline: the links still work */ }
}

main();
