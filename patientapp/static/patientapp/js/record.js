// Film a bend: illustrated instructions, a camera preview with an outline guide and plain
// feedback, MediaRecorder where the browser records MP4, else the phone's camera app;
// then a resumable upload whose progress survives a reload.
import {api, currentUser, explain} from "./api.js";
import {TASKS, recorded} from "./flow.js";
import {$, el, flash, requireSignIn, show} from "./shell.js";
import {allRecordings, putRecording} from "./store.js";
import {uploadRecording} from "./upload.js";

const STATIC = document.body.dataset.static;
const params = new URLSearchParams(location.search);
const task = TASKS[params.get("task")] ? params.get("task") : null;
const assessmentId = params.get("assessment");
const FORMATS = ["video/mp4;codecs=avc1", "video/mp4", "video/quicktime"];
let protocol = {duration_s: {min: 5, max: 60}, formats: ["video/mp4", "video/quicktime"]};
let stream = null;
let recorder = null;
let checkTimer = null;

function recorderFormat() {
  if (!("MediaRecorder" in window) || !navigator.mediaDevices?.getUserMedia) return null;
  return FORMATS.find((type) => MediaRecorder.isTypeSupported(type)) || null;
}

function showInstructions(details) {
  $("#title").textContent = details.title;
  $("#illustration").src = `${STATIC}img/${task}.svg`;
  $("#illustration").alt = task === "forward"
    ? "A person seen from the side bending forward from the hips, arms hanging, knees straight."
    : "A person seen from the side leaning backward, arms folded across the chest, knees straight.";
  $("#illustration-caption").textContent = `${details.repetitions} slow bends, side-on to the phone.`;
  $("#steps").replaceChildren(...details.instructions.map((text) => el("li", {}, text)));
  const camera = protocol.camera || {};
  $("#camera-tips").replaceChildren(...Object.values(camera).map((text) => el("li", {},
    Array.isArray(text) ? `${text[0]} to ${text[1]} metres away` : text)));
  show("#instructions");
  show("#fallback");
  if (!recorderFormat()) {
    show("#camera-start", false);
    $("#file-label").textContent = "Film the bend with your phone's camera app, then choose the video";
  }
}

// Plain feedback from the preview: orientation and light (checked twice a second).
function startChecks(video) {
  const canvas = document.createElement("canvas");
  canvas.width = 32;
  canvas.height = 32;
  const context = canvas.getContext("2d", {willReadFrequently: true});
  const feedback = $("#feedback");
  checkTimer = setInterval(() => {
    if (!video.videoWidth) return;
    const tips = [];
    if (video.videoWidth > video.videoHeight) tips.push("Hold the phone upright (portrait).");
    context.drawImage(video, 0, 0, 32, 32);
    const pixels = context.getImageData(0, 0, 32, 32).data;
    let light = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      light += 0.299 * pixels[i] + 0.587 * pixels[i + 1] + 0.114 * pixels[i + 2];
    }
    if (light / (pixels.length / 4) < 50) tips.push("More light, please: switch on a lamp.");
    tips.push("Stand side-on, your whole body inside the outline, head to feet.");
    const text = tips.join(" ");
    if (feedback.textContent !== text) feedback.textContent = text;
  }, 500);
}

async function openCamera() {
  try {
    stream = await navigator.mediaDevices.getUserMedia({audio: false, video: {
      facingMode: "environment", width: {ideal: 720}, height: {ideal: 1280}}});
  } catch {
    flash("The camera could not be opened. Allow the camera, or film with your camera app below.");
    return;
  }
  show("#instructions", false);
  show("#camera");
  const video = $("#preview");
  video.srcObject = stream;
  startChecks(video);
  $("#record-start").focus();
}

function stopCamera() {
  clearInterval(checkTimer);
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
}

function startRecording() {
  const type = recorderFormat();
  const chunks = [];
  recorder = new MediaRecorder(stream, {mimeType: type});
  recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
  const started = Date.now();
  const limits = protocol.duration_s || {min: 5, max: 60};
  const timer = setInterval(() => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    $("#timer").textContent = `Recording: ${seconds} s`;
    $("#record-stop").disabled = seconds < limits.min;
    if (seconds >= limits.max) recorder.stop();
  }, 250);
  recorder.onstop = () => {
    clearInterval(timer);
    stopCamera();
    show("#camera", false);
    const blob = new Blob(chunks, {type: type.split(";")[0]});
    keepAndUpload(blob, blob.type);
  };
  recorder.start(1000);
  show("#record-start", false);
  show("#record-stop");
  $("#record-stop").disabled = true;
  $("#record-stop").focus();
}

async function keepAndUpload(blob, type) {
  const entry = {key: `${task}-${Date.now()}`, task, type, size: blob.size, blob, owner: currentUser(),
                 assessmentId, recordingId: null, createdAt: new Date().toISOString()};
  await putRecording(entry);
  show("#fallback", false);
  await upload(entry);
}

async function upload(entry) {
  show("#upload");
  const bar = $("#upload-progress");
  const status = $("#upload-status");
  status.textContent = `Sending your ${TASKS[entry.task]}…`;
  try {
    await uploadRecording(entry, (fraction) => {
      bar.value = Math.round(fraction * 100);
      status.textContent = `Sending your ${TASKS[entry.task]}: ${bar.value}%`;
    });
  } catch (error) {
    if (error.status === 422 || error.code === "not_a_video") {
      status.textContent = `${explain(error)} Please film it again.`;
      return false;
    }
    status.textContent = error.status
      ? `The upload stopped at ${bar.value}%: ${explain(error)}`
      : `The connection was lost at ${bar.value}%. Your video is kept on this phone: press ` +
        "Try again, or come back later; it carries on from where it stopped.";
    const retry = $("#upload-retry");
    show(retry);
    let retried = false;
    const again = () => {
      if (retried) return;
      retried = true;
      show(retry, false);
      upload(entry);
    };
    retry.onclick = again;
    window.addEventListener("online", again, {once: true});
    return false;
  }
  const recording = {id: entry.recordingId};
  status.textContent = `Your ${TASKS[entry.task]} has arrived.`;
  const next = $("#upload-next");
  try {
    const step = await recorded(entry, recording);
    next.replaceChildren(step.done
      ? el("a", {class: "button", href: "/app/results/"}, "Follow the analysis")
      : el("a", {class: "button", href: `/app/record/?task=${step.task}`},
           `Now film the ${TASKS[step.task]}`));
  } catch (error) {
    next.textContent = explain(error);
  }
  show(next);
  return true;
}

function chooseFile(event) {
  const file = event.target.files[0];
  if (!file) return;
  const accepted = protocol.formats || ["video/mp4", "video/quicktime"];
  if (!accepted.includes(file.type)) {
    flash("This video format does not work here. Videos that work: MP4 or MOV (H.264 or HEVC), " +
          "as recorded by the phone's own camera app.");
    return;
  }
  flash("");
  show("#instructions", false);
  keepAndUpload(file, file.type);
}

async function resumePending() {
  const pending = (await allRecordings())
    .filter((entry) => entry.owner === currentUser() && (!task || entry.task === task));
  for (const entry of pending) {
    show("#choose", false);
    show("#instructions", false);
    show("#fallback", false);
    $("#title").textContent = `Finishing your ${TASKS[entry.task]}`;
    await upload(entry);
  }
  return pending.length > 0;
}

async function main() {
  if (!requireSignIn()) return;
  $("#camera-start").addEventListener("click", openCamera);
  $("#record-start").addEventListener("click", startRecording);
  $("#record-stop").addEventListener("click", () => recorder && recorder.stop());
  $("#file-input").addEventListener("change", chooseFile);
  if (await resumePending()) return;
  if (!task) return;
  show("#choose", false);
  try {
    protocol = await api("GET", "recording-protocol");
  } catch (error) {
    flash(explain(error));
  }
  const details = (protocol.tasks || []).find((item) => item.task === task)
    || {title: TASKS[task], instructions: [], repetitions: 3};
  showInstructions(details);
}

main();
