import {explain, signIn} from "./api.js";
import {$, show} from "./shell.js";

function nextPage() {
  const next = new URLSearchParams(location.search).get("next") || "/app/";
  return next.startsWith("/app/") ? next : "/app/";
}

$("#signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = $("#signin-error");
  error.textContent = "";
  try {
    await signIn(form.email.value.trim(), form.password.value, form.otp.value.trim());
    location.assign(nextPage());
  } catch (failure) {
    if (failure.code === "otp_required" || failure.code === "otp_invalid") {
      show("#otp-field");
      $("#otp").focus();
      error.textContent = failure.message;
      return;
    }
    error.textContent = failure.status === 401
      ? "E-mail address or password is not correct, or the account is not activated yet."
      : explain(failure);
  }
});
