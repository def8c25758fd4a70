// Where the patient is in an assessment: the recordings sent for each bend and the
// assessment made from them (kept in localStorage; the server holds the truth).
import {api} from "./api.js";

const KEY = "bt.assessment";

export function current() {
  try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch { return {}; }
}

export function save(state) { localStorage.setItem(KEY, JSON.stringify(state)); }

export function forget() { localStorage.removeItem(KEY); }

export const TASKS = {forward: "forward bend", backward: "backward bend"};

// After a recording is stored: swap it into the assessment that asked for it again, or
// start the assessment once both bends are in. Returns what to do next:
// {done: true} (go to the result) or {task} (film that bend next).
export async function recorded(entry, recording) {
  if (entry.assessmentId) {
    await api("PATCH", `assessments/${entry.assessmentId}`, {[entry.task]: recording.id});
    const state = current();
    save({...state, assessment: entry.assessmentId, [entry.task]: recording.id});
    return {done: true};
  }
  const state = {...current(), [entry.task]: recording.id};
  if (state.assessment) delete state.assessment; // a fresh pair makes a fresh assessment
  save(state);
  const other = entry.task === "forward" ? "backward" : "forward";
  if (!state[other]) return {task: other};
  const assessment = await api("POST", "assessments", {
    forward: state.forward, backward: state.backward,
  });
  save({...state, assessment: assessment.id});
  return {done: true};
}
