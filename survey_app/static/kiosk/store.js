// The tablet's durable state in IndexedDB: the device token, settings and questionnaires
// ("state" store) and the queue of finished responses ("queue" store, keyed by submission_id).
// Queue writes ask for strict durability: the transaction completes only once the data is
// flushed to disk, so a response shown as recorded survives a power cut.

const DB_NAME = "servir-kiosk";
const DB_VERSION = 1;

// A new queue record for a finished response: pending, never tried.
export function queueRecord(payload, queuedAt) {
  return { submission_id: payload.submission_id, payload, queued_at: queuedAt, attempts: 0, state: "pending", error: null };
}

// A rejected record made eligible again (staff asked for a sync, or the kiosk restarted);
// null when the record needs no change.
export function reopened(record) {
  return record.state === "rejected" ? { ...record, state: "pending" } : null;
}

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error || new Error("transaction aborted"));
  });
}

export class Store {
  constructor(db) {
    this.db = db;
  }

  static async open() {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("state")) db.createObjectStore("state");
      if (!db.objectStoreNames.contains("queue")) {
        const queue = db.createObjectStore("queue", { keyPath: "submission_id" });
        queue.createIndex("by_time", "queued_at");
      }
    };
    const db = await promised(request);
    // Another tab of a newer version asks to upgrade: let it.
    db.onversionchange = () => db.close();
    return new Store(db);
  }

  async get(key) {
    const tx = this.db.transaction("state", "readonly");
    return promised(tx.objectStore("state").get(key));
  }

  async set(key, value) {
    const tx = this.db.transaction("state", "readwrite", { durability: "strict" });
    tx.objectStore("state").put(value, key);
    return done(tx);
  }

  async setMany(entries) {
    const tx = this.db.transaction("state", "readwrite", { durability: "strict" });
    const store = tx.objectStore("state");
    for (const [key, value] of Object.entries(entries)) store.put(value, key);
    return done(tx);
  }

  async delete(key) {
    const tx = this.db.transaction("state", "readwrite", { durability: "strict" });
    tx.objectStore("state").delete(key);
    return done(tx);
  }

  // Add responses to the queue. Keyed by submission_id: adding the same response twice
  // (a double tap, an imported file) keeps one record and never resets its state.
  async enqueue(payloads) {
    const tx = this.db.transaction("queue", "readwrite", { durability: "strict" });
    const store = tx.objectStore("queue");
    let added = 0;
    for (const payload of payloads) {
      const existing = await promised(store.get(payload.submission_id));
      if (existing) continue;
      store.add(queueRecord(payload, Date.now() + added / 1000));
      added += 1;
    }
    await done(tx);
    return added;
  }

  // Every queued record, oldest first.
  async queued() {
    const tx = this.db.transaction("queue", "readonly");
    return promised(tx.objectStore("queue").index("by_time").getAll());
  }

  async count() {
    const tx = this.db.transaction("queue", "readonly");
    return promised(tx.objectStore("queue").count());
  }

  // Remove the records the server confirmed, and update the others, in one transaction.
  async settle(confirmedIds, updatedRecords) {
    const tx = this.db.transaction("queue", "readwrite", { durability: "strict" });
    const store = tx.objectStore("queue");
    for (const id of confirmedIds) store.delete(id);
    for (const record of updatedRecords) store.put(record);
    return done(tx);
  }

  // Make rejected records eligible again (on load, and when staff ask for a sync).
  async retryRejected() {
    const tx = this.db.transaction("queue", "readwrite", { durability: "strict" });
    const store = tx.objectStore("queue");
    const records = await promised(store.getAll());
    for (const record of records) {
      const again = reopened(record);
      if (again) store.put(again);
    }
    return done(tx);
  }
}
