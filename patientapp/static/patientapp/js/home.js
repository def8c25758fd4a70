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
    const assessments = await api("GET", "assessments?page_size=1");
    const latest = assessments.results[0];
    if (latest) mark("step-result", latest.result ? "ready" : latest.status === "done" ? "being reviewed" : `${latest.percent}%`);
  } catch { /* offline: the links still work */ }
}

main();
