// Talking to the server: a small fetch wrapper, and the queue's synchroniser.
//
// The synchroniser sends queued responses through the batch endpoint, one request at a
// time, oldest first. A record leaves the queue only when the server confirms it: 201
// (stored) or 200 (already stored: a replay after a lost reply). Any failure to get an
// answer (network down, server stopped, connection dropped after the commit) leaves the
// batch queued and schedules a retry with exponential backoff and jitter; sending it again
// is safe because the server recognises each submission_id. A record the server refuses
// (e.g. 409, 422) stays on the tablet, marked rejected, for staff to export.
//
// The store, the fetch function and the random source are given to the constructors, so that
// node --test runs this logic with an in-memory queue (tests/kiosk_js/sync.test.js).

export class NetworkError extends Error {}

// The wait before retry number `failures` (1, 2, ...): exponential up to the cap, with jitter
// (between half and all of the ceiling) so that tablets do not retry in step.
export function backoffDelay(failures, [baseDelay, maxDelay], random = Math.random) {
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** (failures - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

// What the batch endpoint's results mean for the records sent: the ids to remove (201 stored,
// 200 already stored) and the records to keep, updated (5xx or no result: pending, to send
// again; any other status: rejected, kept for staff).
export function settleBatch(batch, results) {
  const confirmed = [];
  const updated = [];
  const byIndex = new Map(results.map((result) => [result.index, result]));
  batch.forEach((record, index) => {
    const result = byIndex.get(index);
    if (!result) {
      updated.push({ ...record, attempts: record.attempts + 1, error: { status: 0, message: "no result" } });
    } else if (result.status === 201 || result.status === 200) {
      confirmed.push(record.submission_id);
    } else if (result.status >= 500) {
      updated.push({ ...record, attempts: record.attempts + 1, error: { status: result.status, message: result.error } });
    } else {
      updated.push({
        ...record,
        attempts: record.attempts + 1,
        state: "rejected",
        error: { status: result.status, message: result.error, errors: result.errors || null },
      });
    }
  });
  return { confirmed, updated };
}

export class Api {
  constructor(urls, getToken, fetchImpl = (...args) => fetch(...args)) {
    this.urls = urls;
    this.getToken = getToken;
    this.fetch = fetchImpl;
  }

  async request(method, url, body, { timeoutMs = 20000, token } = {}) {
    const headers = { Accept: "application/json" };
    const bearer = token === undefined ? this.getToken() : token;
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response;
    try {
      response = await this.fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        signal: controller.signal,
      });
    } catch (error) {
      throw new NetworkError(String(error && error.message ? error.message : error));
    } finally {
      clearTimeout(timer);
    }
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch (error) {
        // A reply cut short, or not JSON (a proxy's error page): we do not know what the
        // server did, which is the same as no answer at all.
        if (response.ok) throw new NetworkError("unreadable reply");
        data = null;
      }
    }
    return { status: response.status, data };
  }

  questionnaireUrl(id) {
    return this.urls.questionnaire.replace("__ID__", encodeURIComponent(id));
  }
}

export class Syncer {
  constructor({ store, api, batchSize, backoffMs, onChange, onAuthLost, random = Math.random }) {
    this.store = store;
    this.api = api;
    this.batchSize = batchSize;
    this.backoffMs = backoffMs;
    this.random = random;
    this.onChange = onChange || (() => {});
    this.onAuthLost = onAuthLost || (() => {});
    this.failures = 0;
    this.timer = null;
    this.running = false;
    this.again = false;
    this.paused = false;
    this.lastSuccess = null;
    this.nextAttempt = null;
  }

  // Ask for a sync now (a new response, the network came back, staff asked). With
  // resetBackoff, the next failure waits the shortest delay again.
  kick({ resetBackoff = false } = {}) {
    if (resetBackoff) this.failures = 0;
    if (this.paused) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
      this.nextAttempt = null;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    const work = () => this.drain();
    const locks = globalThis.navigator && globalThis.navigator.locks;
    const locked = locks
      ? locks.request("servir-kiosk-sync", work)  // one tab syncs at a time
      : work();
    locked
      .catch(() => this.scheduleRetry())
      .finally(() => {
        this.running = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  pause() {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  resume() {
    this.paused = false;
    this.kick({ resetBackoff: true });
  }

  scheduleRetry() {
    if (this.paused) return;
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.backoffMs, this.random);
    this.nextAttempt = Date.now() + delay;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.nextAttempt = null;
      this.kick();
    }, delay);
    this.onChange();
  }

  async drain() {
    for (;;) {
      const pending = (await this.store.queued()).filter((r) => r.state === "pending");
      if (pending.length === 0) {
        this.failures = 0;
        this.onChange();
        return;
      }
      const batch = pending.slice(0, this.batchSize);
      let reply;
      try {
        reply = await this.api.request(
          "POST",
          this.api.urls.batch,
          { responses: batch.map((r) => r.payload) },
          { timeoutMs: 30000 },
        );
      } catch (error) {
        await this.noteAttempt(batch, "network");
        this.scheduleRetry();
        return;
      }
      if (reply.status === 401) {
        await this.noteAttempt(batch, "unauthorized");
        this.pause();
        this.onAuthLost();
        this.onChange();
        return;
      }
      if (reply.status !== 200 || !reply.data || !Array.isArray(reply.data.results)) {
        await this.noteAttempt(batch, `http ${reply.status}`);
        this.scheduleRetry();
        return;
      }
      const { confirmed, updated } = settleBatch(batch, reply.data.results);
      await this.store.settle(confirmed, updated);
      this.failures = 0;
      this.lastSuccess = Date.now();
      this.onChange();
      if (confirmed.length === 0 && updated.some((r) => r.state === "pending")) {
        this.scheduleRetry();  // the server answered but stored nothing: do not spin
        return;
      }
    }
  }

  async noteAttempt(batch, reason) {
    const updated = batch.map((record) => ({
      ...record,
      attempts: record.attempts + 1,
      error: { status: 0, message: reason },
    }));
    try {
      await this.store.settle([], updated);
    } catch (error) {
      // Bookkeeping only: the records themselves are untouched.
    }
  }
}
