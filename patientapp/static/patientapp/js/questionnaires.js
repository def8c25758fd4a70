// Questionnaires, one question per screen; the answers so far stay on the phone
// (localStorage) until sent, so the patient can stop and come back.
import {all, api, explain} from "./api.js";
import {$, el, flash, requireSignIn, show} from "./shell.js";

let instruments = [];
let active = null; // {instrument, answers, index}

const saved = (code) => {
  try { return JSON.parse(localStorage.getItem(`bt.q.${code}`)); } catch { return null; }
};
const keep = () => localStorage.setItem(`bt.q.${active.instrument.code}`,
  JSON.stringify({answers: active.answers, index: active.index}));

function renderList(done) {
  $("#instruments").replaceChildren(...instruments.map((instrument) => {
    const draft = saved(instrument.code);
    const state = done.has(instrument.code) ? "done"
      : draft ? `question ${draft.index + 1} of ${instrument.items.length}` : "not started";
    const button = el("button", {type: "button", class: done.has(instrument.code) ? "secondary" : ""},
      draft ? `Continue: ${instrument.name}` : instrument.name);
    button.addEventListener("click", () => start(instrument));
    return el("li", {class: "card", "data-code": instrument.code}, button, " ",
              el("span", {class: "state"}, `(${state})`));
  }));
  show("#list");
  show("#question", false);
}

function start(instrument) {
  const draft = saved(instrument.code);
  active = {instrument, answers: draft?.answers || instrument.items.map(() => null),
            index: Math.min(draft?.index || 0, instrument.items.length - 1)};
  show("#list", false);
  show("#question");
  $("#q-title").textContent = instrument.name;
  renderQuestion();
}

function renderQuestion() {
  const {instrument, answers, index} = active;
  const item = instrument.items[index];
  $("#q-progress").textContent = `Question ${index + 1} of ${instrument.items.length}`;
  $("#q-text").textContent = item.text;
  const choices = $("#q-choices");
  const value = answers[index];
  if (item.max - item.min <= 10) {
    choices.replaceChildren(...Array.from({length: item.max - item.min + 1}, (_, k) => {
      const number = item.min + k;
      const id = `answer-${number}`;
      const input = el("input", {type: "radio", name: "answer", id, value: number,
                                 checked: value === number});
      let label = String(number);
      if (number === item.min) label += " (least)";
      if (number === item.max) label += " (most)";
      return el("div", {class: "choice"}, input, el("label", {for: id}, label));
    }));
  } else {
    const input = el("input", {type: "number", name: "answer", id: "answer-number",
                               min: item.min, max: item.max, inputmode: "numeric",
                               value: value ?? ""});
    choices.replaceChildren(el("label", {for: "answer-number"},
      `A number from ${item.min} to ${item.max}`), input);
  }
  $("#q-back").disabled = index === 0;
  $("#q-next").textContent = index === instrument.items.length - 1 ? "Send my answers" : "Next";
  $("#q-text").focus?.();
  choices.querySelector("input")?.focus();
}

function readAnswer() {
  const form = $("#q-form");
  const item = active.instrument.items[active.index];
  const checked = form.querySelector("input[type=radio]:checked");
  const raw = checked ? checked.value : form.querySelector("input[type=number]")?.value;
  if (raw === undefined || raw === "") return undefined;
  const number = Number(raw);
  return Number.isInteger(number) && number >= item.min && number <= item.max ? number : undefined;
}

async function advance(answer) {
  active.answers[active.index] = answer;
  if (active.index < active.instrument.items.length - 1) {
    active.index += 1;
    keep();
    renderQuestion();
    return;
  }
  keep();
  try {
    await api("POST", `questionnaires/${active.instrument.code}/responses`, {answers: active.answers});
  } catch (error) {
    flash(`${explain(error)} Your answers are kept; try again.`);
    return;
  }
  localStorage.removeItem(`bt.q.${active.instrument.code}`);
  flash("");
  $("#flash").hidden = true;
  await load(`Thank you: your ${active.instrument.name} answers were sent.`);
}

async function load(message = "") {
  const [list, scores] = await Promise.all([api("GET", "questionnaires"), all("prom-scores")]);
  instruments = list;
  renderList(new Set(scores.map((score) => score.instrument)));
  const status = $("#list p");
  if (message) status.textContent = message;
}

function main() {
  if (!requireSignIn()) return;
  $("#q-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const answer = readAnswer();
    if (answer === undefined) { flash("Choose an answer, or skip this question."); return; }
    flash("");
    advance(answer);
  });
  $("#q-skip").addEventListener("click", () => { flash(""); advance(null); });
  $("#q-back").addEventListener("click", () => {
    active.index = Math.max(0, active.index - 1);
    keep();
    renderQuestion();
  });
  load().catch((error) => flash(explain(error)));
}

main();
