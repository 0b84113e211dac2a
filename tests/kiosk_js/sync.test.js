// The kiosk's queue and synchroniser (static/kiosk/store.js, sync.js) with an in-memory queue
// and a scripted server: backoff, batches, removal only on 201/200, rejected records kept.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { queueRecord, reopened } from "../../survey_app/static/kiosk/store.js";
import { Api, NetworkError, Syncer, backoffDelay, settleBatch } from "../../survey_app/static/kiosk/sync.js";

// The queue part of Store, in memory: the same records, oldest first.
class MemoryQueue {
  constructor(payloads = []) {
    this.records = new Map();
    payloads.forEach((payload, i) => this.records.set(payload.submission_id, queueRecord(payload, i)));
  }
  async queued() { return [...this.records.values()].sort((a, b) => a.queued_at - b.queued_at); }
  async settle(confirmed, updated) {
    for (const id of confirmed) this.records.delete(id);
    for (const record of updated) this.records.set(record.submission_id, record);
  }
}

const payload = (n) => ({ submission_id: `id-${n}`, questionnaire: "borne", answers: { overall: 4 } });
const ok = (status = 201) => (body) => ({ status: 200, data: { results: body.responses.map((r, index) => ({ index, status })) } });

// A server that answers each batch with the next scripted reply (a function of the body, or an
// error to throw), recording the batches it was sent.
function scriptedApi(...replies) {
  const sent = [];
  return {
    sent,
    urls: { batch: "/api/v1/responses/batch" },
    async request(method, url, body) {
      sent.push(body.responses.map((r) => r.submission_id));
      const reply = replies.length > 1 ? replies.shift() : replies[0];
      if (reply instanceof Error) throw reply;
      return reply(body);
    },
  };
}

const syncers = [];
function syncer(store, api, options = {}) {
  const s = new Syncer({ store, api, batchSize: 2, backoffMs: [100, 1000], random: () => 1, ...options });
  syncers.push(s);
  return s;
}
afterEach(() => { for (const s of syncers.splice(0)) s.pause(); });

test("backoff doubles from the base delay up to the cap, with jitter in the upper half", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(n, [100, 1000], () => 1)), [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual([1, 4, 9].map((n) => backoffDelay(n, [100, 1000], () => 0)), [50, 400, 500]);
});

test("a batch's results: 201 and 200 leave the queue, 5xx and missing results stay pending, others are rejected", () => {
  const batch = [0, 1, 2, 3, 4].map((n) => queueRecord(payload(n), n));
  const { confirmed, updated } = settleBatch(batch, [
    { index: 0, status: 201 }, { index: 1, status: 200 }, { index: 2, status: 409, error: "conflict" },
    { index: 3, status: 422, error: "invalid", errors: { overall: "an answer is required" } },
  ]);
  assert.deepEqual(confirmed, ["id-0", "id-1"]);
  assert.deepEqual(updated.map((r) => [r.submission_id, r.state, r.attempts, r.error.status]),
    [["id-2", "rejected", 1, 409], ["id-3", "rejected", 1, 422], ["id-4", "pending", 1, 0]]);
  assert.deepEqual(updated[1].error.errors, { overall: "an answer is required" });
  assert.equal(settleBatch([batch[0]], [{ index: 0, status: 503, error: "busy" }]).updated[0].state, "pending");
});

test("queue records start pending; a rejected one can be made pending again", () => {
  const record = queueRecord(payload(1), 5);
  assert.deepEqual(record, { submission_id: "id-1", payload: payload(1), queued_at: 5, attempts: 0, state: "pending", error: null });
  assert.equal(reopened(record), null);
  assert.equal(reopened({ ...record, state: "rejected" }).state, "pending");
});

test("the queue is sent oldest first in batches of batchSize, and emptied when all are stored", async () => {
  const store = new MemoryQueue([1, 2, 3, 4, 5].map(payload));
  const api = scriptedApi(ok(201), ok(200));
  const s = syncer(store, api);
  await s.drain();
  assert.deepEqual(api.sent, [["id-1", "id-2"], ["id-3", "id-4"], ["id-5"]]);
  assert.equal((await store.queued()).length, 0);
  assert.equal(s.failures, 0);
  assert.ok(s.lastSuccess);
});

test("no answer from the server keeps the batch and schedules a retry with backoff", async () => {
  const store = new MemoryQueue([1, 2, 3].map(payload));
  const s = syncer(store, scriptedApi(new NetworkError("offline")));
  await s.drain();
  const records = await store.queued();
  assert.equal(records.length, 3);
  assert.deepEqual(records.map((r) => r.attempts), [1, 1, 0]);
  assert.equal(records[0].error.message, "network");
  assert.equal(s.failures, 1);
  assert.ok(s.nextAttempt >= Date.now() + 50);
  await s.drain();
  assert.equal(s.failures, 2);  // the next wait is longer
});

test("an unexpected reply (not the batch's results) is no answer: nothing leaves the queue", async () => {
  const store = new MemoryQueue([payload(1)]);
  const s = syncer(store, scriptedApi(() => ({ status: 502, data: null })));
  await s.drain();
  assert.equal((await store.queued()).length, 1);
  assert.equal(s.failures, 1);
});

test("rejected records stay on the tablet and are not sent again", async () => {
  const store = new MemoryQueue([1, 2].map(payload));
  const api = scriptedApi((body) => ({ status: 200, data: { results: [
    { index: 0, status: 422, error: "invalid" }, { index: 1, status: 409, error: "conflict" }] } }));
  const s = syncer(store, api);
  await s.drain();
  assert.deepEqual(api.sent, [["id-1", "id-2"]]);
  assert.deepEqual((await store.queued()).map((r) => r.state), ["rejected", "rejected"]);
  assert.equal(s.failures, 0);
});

test("a server that stores nothing of a batch is not asked again at once", async () => {
  const store = new MemoryQueue([payload(1)]);
  const api = scriptedApi((body) => ({ status: 200, data: { results: [{ index: 0, status: 503, error: "busy" }] } }));
  const s = syncer(store, api);
  await s.drain();
  assert.equal(api.sent.length, 1);
  assert.equal((await store.queued())[0].state, "pending");
  assert.equal(s.failures, 1);
});

test("a revoked token pauses the synchroniser and says so", async () => {
  const store = new MemoryQueue([payload(1)]);
  let lost = 0;
  const s = syncer(store, scriptedApi(() => ({ status: 401, data: { error: "revoked" } })), { onAuthLost: () => { lost += 1; } });
  await s.drain();
  assert.equal(lost, 1);
  assert.equal(s.paused, true);
  assert.equal((await store.queued())[0].error.message, "unauthorized");
  s.kick();
  assert.equal(s.running, false);  // paused: a kick sends nothing
});

test("kick runs one drain at a time and drains again when kicked meanwhile", async () => {
  const store = new MemoryQueue([payload(1)]);
  let release;
  const api = scriptedApi((body) => new Promise((resolve) => { release = () => resolve(ok(201)(body)); }));
  const changes = [];
  const s = syncer(store, api, { onChange: () => changes.push(s.running) });
  s.kick();
  s.kick();  // while the first drain waits for the server
  assert.equal(s.again, true);
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await new Promise((resolve) => { const wait = () => (s.running || s.again ? setImmediate(wait) : resolve()); wait(); });
  assert.deepEqual(api.sent, [["id-1"]]);  // the second drain found the queue empty
  assert.equal((await store.queued()).length, 0);
});

test("the fetch wrapper sends the bearer token and treats an unreadable success as no answer", async () => {
  const calls = [];
  const api = new Api({}, () => "secret", async (url, init) => {
    calls.push(init);
    return { status: 200, ok: true, json: async () => { throw new SyntaxError("cut short"); } };
  });
  await assert.rejects(api.request("POST", "/x", { a: 1 }), NetworkError);
  assert.equal(calls[0].headers.Authorization, "Bearer secret");
  assert.equal(calls[0].body, '{"a":1}');
  const refused = new Api({}, () => null, async () => ({ status: 422, ok: false, json: async () => ({ error: "bad" }) }));
  assert.deepEqual(await refused.request("GET", "/y"), { status: 422, data: { error: "bad" } });
  await assert.rejects(new Api({}, () => null, async () => { throw new TypeError("offline"); }).request("GET", "/z"), NetworkError);
});
