// Recordings waiting to upload, kept in IndexedDB until the server confirms them, so a
// lost connection, a closed tab or a reload loses nothing.

const DB = "backtracker";
const STORE = "recordings";

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, {keyPath: "key"});
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(mode, action) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request && request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export const putRecording = (entry) => run("readwrite", (store) => store.put(entry));
export const getRecording = (key) => run("readonly", (store) => store.get(key));
export const allRecordings = () => run("readonly", (store) => store.getAll());
export const removeRecording = (key) => run("readwrite", (store) => store.delete(key));
export const clearRecordings = () => run("readwrite", (store) => store.clear());
