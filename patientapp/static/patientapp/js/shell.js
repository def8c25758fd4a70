// What every page of the app shares: the service worker, the offline badge, sign-out,
// and small DOM helpers.
import {signedIn, signOut} from "./api.js";

export const $ = (selector) => document.querySelector(selector);

// Build an element: el("li", {class: "card"}, "text", child, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value == null) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child == null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function show(selector, visible = true) {
  const node = typeof selector === "string" ? $(selector) : selector;
  if (node) node.hidden = !visible;
}

export function flash(message) {
  const box = $("#flash");
  box.textContent = message;
  box.hidden = !message;
}

// Pages with the patient's data send a signed-out visitor to the sign-in page.
export function requireSignIn() {
  if (signedIn()) return true;
  const next = location.pathname + location.search;
  location.replace("/app/signin/?next=" + encodeURIComponent(next));
  return false;
}

function updateNetwork() { show("#net", navigator.onLine === false); }

window.addEventListener("online", updateNetwork);
window.addEventListener("offline", updateNetwork);
updateNetwork();

const signoutButton = $("#signout");
if (signoutButton) {
  signoutButton.hidden = !signedIn();
  signoutButton.addEventListener("click", async () => {
    await signOut();
    location.assign("/app/");
  });
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/app/sw.js", {scope: "/app/"}).catch(() => {});
}
