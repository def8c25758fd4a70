import {ApiError, explain} from "./api.js";
import {$, show} from "./shell.js";

$("#signup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#signup-error");
  error.textContent = "";
  if (!form.consent_to_care.checked) {
    error.textContent = "To use the app, agree to the use of your videos and answers for your care.";
    form.consent_to_care.focus();
    return;
  }
  const body = {
    email: form.email.value.trim(), password: form.password.value,
    first_name: form.first_name.value.trim(),
    consent_to_care: true, consent_to_training: form.consent_to_training.checked,
  };
  if (form.year_of_birth.value.trim()) body.year_of_birth = Number(form.year_of_birth.value);
  try {
    const response = await fetch("/api/v1/auth/register", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    });
    const parsed = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, parsed);
    show(form, false);
    show("#signup-done");
    $("#signup-done h2").focus?.();
  } catch (failure) {
    error.textContent = explain(failure);
  }
});
