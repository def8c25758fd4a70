// Export a copy of everything stored, or erase the account (the existing API).
import {api, authFetch, explain, setTokens} from "./api.js";
import {forget} from "./flow.js";
import {$, requireSignIn, show} from "./shell.js";
import {clearRecordings} from "./store.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function exportData() {
  const status = $("#export-status");
  $("#export-start").disabled = true;
  try {
    const me = await api("GET", "me");
    let job = await api("POST", "exports", {patient: me.patient_id});
    while (!job.ready && job.status !== "failed") {
      status.textContent = `Preparing your data: ${job.percent || 0}%`;
      await sleep(1500);
      job = await api("GET", `exports/${job.id}`);
    }
    if (!job.ready) throw new Error(job.error_message || "failed");
    const response = await authFetch(`/api/v1/exports/${job.id}/download`);
    if (!response.ok) throw new Error("download");
    const link = $("#export-link");
    link.href = URL.createObjectURL(await response.blob());
    show(link);
    status.textContent = "Your data is ready.";
    link.focus();
  } catch (error) {
    status.textContent = explain(error);
  } finally {
    $("#export-start").disabled = false;
  }
}

async function erase(event) {
  event.preventDefault();
  const form = event.target;
  $("#erase-error").textContent = "";
  if (!$("#erase-sure").checked) {
    $("#erase-error").textContent = "Tick the box to confirm.";
    return;
  }
  try {
    await api("POST", "erasures", {password: form.password.value});
  } catch (error) {
    $("#erase-error").textContent = explain(error);
    return;
  }
  setTokens(null);
  forget();
  localStorage.clear();
  await clearRecordings().catch(() => {});
  if ("caches" in window) for (const name of await caches.keys()) await caches.delete(name);
  show(form, false);
  show("#signout", false);
  $("#erase-status").textContent = "Your account is closed and your data is being deleted. " +
    "We will e-mail you when it is done.";
}

if (requireSignIn()) {
  $("#export-start").addEventListener("click", exportData);
  $("#erase-form").addEventListener("submit", erase);
}
