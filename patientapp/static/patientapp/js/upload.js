// Resumable upload of a recording kept in IndexedDB, in whichever way the server says:
// numbered chunks through the API (local storage), S3 multipart parts, or one S3 POST.
// After a reload the server is asked which parts it has; only the missing ones are sent.
import {ApiError, api, refresh, tokens} from "./api.js";
import {putRecording, removeRecording} from "./store.js";

function send(method, url, body, onProgress, withToken) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, url);
    if (withToken && tokens()) request.setRequestHeader("Authorization", "Bearer " + tokens().access);
    if (withToken) request.setRequestHeader("Content-Type", "application/octet-stream");
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () => {
      let parsed = null;
      try { parsed = JSON.parse(request.responseText); } catch { parsed = null; }
      if (request.status >= 200 && request.status < 300) resolve();
      else reject(new ApiError(request.status, parsed));
    };
    request.onerror = () => reject(new TypeError("network"));
    request.onabort = () => reject(new TypeError("aborted"));
    request.send(body);
  });
}

async function sendPart(url, body, onProgress) {
  const ours = url.startsWith("/api/");
  try {
    await send("PUT", url, body, onProgress, ours);
  } catch (error) {
    if (!(ours && error.status === 401)) throw error;
    await refresh();
    await send("PUT", url, body, onProgress, ours);
  }
}

async function instructions(entry) {
  if (!entry.recordingId) {
    const started = await api("POST", "recordings", {
      task: entry.task, content_type: entry.type, size_bytes: entry.size,
    });
    entry.recordingId = started.recording.id;
    await putRecording(entry);
    return started.upload;
  }
  try {
    return await api("GET", `recordings/${entry.recordingId}/upload`);
  } catch (error) {
    if (error.code === "not_uploading") return null; // the server has it already
    if (error.status === 404) { // unfinished uploads are dropped after a day: start again
      entry.recordingId = null;
      await putRecording(entry);
      return instructions(entry);
    }
    throw error;
  }
}

// Send what the server is missing, complete, and forget the local copy. onProgress gets
// a fraction 0..1 of the bytes stored on the server. Returns the recording.
export async function uploadRecording(entry, onProgress = () => {}) {
  const upload = await instructions(entry);
  if (upload && upload.mode === "post") {
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append("file", entry.blob);
    await send("POST", upload.url, form, (loaded) => onProgress(Math.min(1, loaded / entry.size)),
               false);
  } else if (upload) {
    const missing = upload.parts.reduce((sum, part) => sum + part.size, 0);
    let done = entry.size - missing;
    onProgress(done / entry.size);
    for (const part of upload.parts) {
      const offset = part.number === upload.part_count
        ? entry.size - part.size : (part.number - 1) * part.size;
      await sendPart(part.url, entry.blob.slice(offset, offset + part.size),
                     (loaded) => onProgress((done + loaded) / entry.size));
      done += part.size;
      onProgress(done / entry.size);
    }
  }
  let recording;
  try {
    recording = await api("POST", `recordings/${entry.recordingId}/complete`);
  } catch (error) {
    if (error.status === 422) await removeRecording(entry.key); // the video itself is refused
    throw error;
  }
  onProgress(1);
  await removeRecording(entry.key);
  return recording;
}
