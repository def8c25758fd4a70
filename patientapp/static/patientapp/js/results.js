// The assessment: progress while the videos are analysed, what to film again and why,
// and the released result in plain words with a link to the programme.
import {api, explain} from "./api.js";
import {TASKS, current} from "./flow.js";
import {$, el, flash, requireSignIn, show} from "./shell.js";

const STATIC = document.body.dataset.static;
const PATTERNS = {
  FP: {
    title: "Your back shows a flexion pattern",
    text: "When you bend, your lower back tends to round early and take much of the movement. " +
          "Positions and movements that bend your back forward, such as sitting slumped or " +
          "lifting with a rounded back, are the ones most likely to bring on your pain.",
    exercise: "Your exercises teach you to control your lower back while you bend, using your " +
              "hips more, and build up gradually to everyday bending and lifting.",
  },
  EP: {
    title: "Your back shows an extension pattern",
    text: "When you move, your lower back tends to arch and take much of the movement. " +
          "Positions that arch your back, such as standing for long, leaning back or reaching " +
          "overhead, are the ones most likely to bring on your pain.",
    exercise: "Your exercises teach you to keep your lower back from over-arching, using your " +
              "hips and trunk muscles, and build up gradually to standing and reaching.",
  },
};
const PICTURES = {
  no_person: "outline.svg", person_lost: "outline.svg", out_of_frame: "outline.svg",
  multiple_people: "outline.svg", too_dark: "light.svg", camera_moving: "steady.svg",
};

function picture(need) {
  const file = PICTURES[need.code] || `${need.task}.svg`;
  return el("img", {src: `${STATIC}img/${file}`, alt: "", width: 96, height: 96});
}

function renderNeeds(assessment) {
  const needs = assessment.needs.filter((need) => need.code !== "missing");
  show("#needs", needs.length > 0);
  $("#needs-list").replaceChildren(...needs.map((need) => el("li", {class: "card need", "data-code": need.code},
    picture(need),
    el("p", {}, need.message),
    el("a", {class: "button", href: `/app/record/?task=${need.task}&assessment=${assessment.id}`},
       `Film the ${TASKS[need.task]} again`))));
  return needs.length > 0;
}

function renderResult(result) {
  const pattern = PATTERNS[result.phenotype];
  $("#pattern").textContent = pattern.title;
  $("#pattern-text").textContent = pattern.text;
  $("#exercise-text").textContent = pattern.exercise;
  $("#confidence").textContent = `How sure the analysis is: ${Math.round(result.probability * 100)}%. ` +
    (result.review === "confirmed" ? "Your physiotherapist has confirmed it." : "");
  show("#programme-link", Boolean(result.programme));
  show("#result");
}

async function latest() {
  const wanted = current().assessment;
  if (wanted) {
    try { return await api("GET", `assessments/${wanted}`); } catch { /* fall back */ }
  }
  const page = await api("GET", "assessments?page_size=1");
  return page.results[0] || null;
}

async function poll() {
  let assessment;
  try {
    assessment = await latest();
  } catch (error) {
    flash(explain(error));
    setTimeout(poll, 5000);
    return;
  }
  flash("");
  if (!assessment) { show("#none"); return; }
  const needs = renderNeeds(assessment);
  if (assessment.result) {
    show("#progress-box", false);
    renderResult(assessment.result);
    return;
  }
  if (assessment.status === "failed") {
    show("#progress-box", false);
    $("#failed-text").textContent = assessment.error_message ||
      "The analysis could not be finished. Your physiotherapist has been told.";
    show("#failed");
    return;
  }
  if (assessment.status === "done") {
    show("#progress-box", false);
    show("#waiting");
    return;
  }
  if (needs) { show("#progress-box", false); return; }
  show("#progress-box");
  $("#analysis").value = assessment.percent;
  $("#analysis-status").textContent = assessment.status === "running" || assessment.status === "queued"
    ? `Working out your movement pattern: ${assessment.percent}%`
    : `Analysing your videos: ${assessment.percent}%`;
  setTimeout(poll, 3000);
}

if (requireSignIn()) poll();
