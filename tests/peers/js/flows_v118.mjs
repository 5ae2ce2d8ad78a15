// matrix-js-sdk, through its own client flows, against the example homeserver built on the server
// generated from the v1.18 Client-Server API (tests/peers/v118/homeserver.rs): log in, start the
// sync loop, create a room, send a message and see it come back through the sync loop, set and
// read the display name, and delete a device through the SDK's InteractiveAuth helper.
// BASE_URL is the server. Exits non-zero on any mismatch.
import { ClientEvent, InteractiveAuth, createClient } from "matrix-js-sdk";
import { baseUrl, check, finish } from "./harness.mjs";


/** Resolves when `test()` holds, polling; rejects after `ms`. */
async function until(what, test, ms = 10000) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    const value = test();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const user = `fern${Date.now()}`;
const password = "fern-password";
const anonymous = createClient({ baseUrl });
const identifier = { type: "m.id.user", user };

// log in (the first login creates the user) and once more, for a second device
const first = await anonymous.loginRequest({ type: "m.login.password", identifier, password });
check("login answers a user id, a token and a device", first.user_id === `@${user}:localhost` && !!first.access_token && !!first.device_id, first);
const second = await anonymous.loginRequest({ type: "m.login.password", identifier, password });
check("a second login is a second device", second.device_id !== first.device_id, second);

const client = createClient({ baseUrl, accessToken: first.access_token, userId: first.user_id, deviceId: first.device_id });
let syncState = null;
client.on(ClientEvent.Sync, (state) => {
  syncState = state;
});
await client.startClient({ initialSyncLimit: 10 });
await until("the first sync", () => syncState === "PREPARED" || syncState === "SYNCING");
check("the sync loop starts", true);

// a room, a message, and the message back through the sync loop
const { room_id: roomId } = await client.createRoom({ name: "js flows" });
check("createRoom answers a room id", typeof roomId === "string" && roomId.startsWith("!"), roomId);
const room = await until("the room in the sync", () => client.getRoom(roomId));
check("the room arrives through sync with its name", room.name === "js flows", room.name);
const { event_id: eventId } = await client.sendTextMessage(roomId, "hello from matrix-js-sdk");
const echoed = await until("the message back through sync", () =>
  room.getLiveTimeline().getEvents().find((e) => e.getId() === eventId && e.status === null),
);
check("the message comes back through sync", echoed.getContent().body === "hello from matrix-js-sdk", echoed.getContent());

// the display name
await client.setDisplayName("Fern Tester");
const profile = await client.getProfileInfo(first.user_id);
check("setDisplayName then getProfileInfo", profile.displayname === "Fern Tester", profile);

// delete the second device through user-interactive auth (the password stage)
const before = (await client.getDevices()).devices.map((d) => d.device_id).sort();
check("getDevices lists both devices", before.length === 2 && before.includes(second.device_id), before);
let stages = [];
const auth = new InteractiveAuth({
  matrixClient: client,
  doRequest: (authData) => client.deleteDevice(second.device_id, authData),
  stateUpdated: (nextStage) => {
    stages.push(nextStage);
    if (nextStage === "m.login.password") {
      auth.submitAuthDict({ type: "m.login.password", identifier, password });
    }
  },
  requestEmailToken: async () => ({ sid: "" }),
});
await auth.attemptAuth();
check("InteractiveAuth went through the password stage", stages.includes("m.login.password"), stages);
const after = (await client.getDevices()).devices.map((d) => d.device_id);
check("the second device is gone", after.length === 1 && after[0] === first.device_id, after);

// the deleted device's token no longer works
const gone = createClient({ baseUrl, accessToken: second.access_token });
try {
  await gone.whoami();
  check("a deleted device's token is refused", false, "whoami succeeded");
} catch (e) {
  check("a deleted device's token is refused with M_UNKNOWN_TOKEN", e.errcode === "M_UNKNOWN_TOKEN", e.errcode);
}

client.stopClient();
finish("matrix-js-sdk flows");
