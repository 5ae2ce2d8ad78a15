// matrix-js-sdk, a real Matrix client nobody here wrote, against the generated example server.
// BASE_URL is the server (it serves /_matrix/client/v3, which matrix-js-sdk always uses).
// Exits non-zero on any mismatch.
import { createClient } from "matrix-js-sdk";
import { baseUrl, check, finish } from "./harness.mjs";

async function rejected(promise) {
  try {
    const value = await promise;
    return { resolved: value };
  } catch (e) {
    return { httpStatus: e.httpStatus, errcode: e.errcode, message: e.message };
  }
}

const user = `erin${Date.now()}`;
const client = createClient({ baseUrl, accessToken: `token-${user}`, userId: `@${user}:localhost` });

// adds a 3PID with the session a requestToken call opened (matrix-js-sdk 37 only has the newer
// /account/3pid/add for this, which the spec of this era does not have)
async function add(sid) {
  const r = await fetch(`${baseUrl}/_matrix/client/v3/account/3pid`, {
    method: "POST",
    headers: { Authorization: `Bearer token-${user}`, "Content-Type": "application/json" },
    body: JSON.stringify({ three_pid_creds: { sid, client_secret: "s3cret", id_server: "id.example.org" } }),
  });
  return r.status;
}

const empty = await client.getThreePids();
check("getThreePids() on a new user is empty", Array.isArray(empty.threepids) && empty.threepids.length === 0, empty);

const email = await client.requestAdd3pidEmailToken(`${user}@example.org`, "s3cret", 1);
check("requestAdd3pidEmailToken() answers with a session id", typeof email.sid === "string" && email.sid.startsWith("valid"), email);
check("adding the email session succeeds", (await add(email.sid)) === 200);

const msisdn = await client.requestAdd3pidMsisdnToken("GB", "07700 900001", "s3cret", 1);
check("requestAdd3pidMsisdnToken() answers with a session id", typeof msisdn.sid === "string" && msisdn.sid.startsWith("valid"), msisdn);
check("adding the msisdn session succeeds", (await add(msisdn.sid)) === 200);

const both = await client.getThreePids();
const mail = both.threepids.find((t) => t.medium === "email");
const phone = both.threepids.find((t) => t.medium === "msisdn");
check("getThreePids() lists both", both.threepids.length === 2, both);
check("the email 3PID has its address and timestamps",
  mail && mail.address === `${user}@example.org` && Number.isInteger(mail.validated_at) && Number.isInteger(mail.added_at), mail);
check("the phone number is normalised to an MSISDN", phone && phone.address === "447700900001", phone);

const deleted = await client.deleteThreePid("email", `${user}@example.org`);
check("deleteThreePid() resolves", deleted !== undefined, deleted);
const after = await client.getThreePids();
check("the deleted 3PID is gone", after.threepids.length === 1 && after.threepids[0].medium === "msisdn", after);

const badToken = createClient({ baseUrl, accessToken: "not-a-token", userId: "@nobody:localhost" });
const unknown = await rejected(badToken.getThreePids());
check("a bad token rejects with 401 M_UNKNOWN_TOKEN", unknown.httpStatus === 401 && unknown.errcode === "M_UNKNOWN_TOKEN", unknown);

const anonymous = createClient({ baseUrl });
const missing = await rejected(anonymous.getThreePids());
check("no token rejects with 401 M_MISSING_TOKEN", missing.httpStatus === 401 && missing.errcode === "M_MISSING_TOKEN", missing);

const badAdd = await rejected(client.deleteThreePid(undefined, undefined));
check("a body of the wrong shape rejects with 400 M_BAD_JSON", badAdd.httpStatus === 400 && badAdd.errcode === "M_BAD_JSON", badAdd);

finish("matrix-js-sdk");
