// What the matrix-js-sdk checks share: the server under test (BASE_URL) and the tally of checks.
export const baseUrl = process.env.BASE_URL;
if (!baseUrl) {
  console.error("BASE_URL is not set");
  process.exit(2);
}

let failures = 0;
let passes = 0;

/** Records one check: `ok` or not, with `detail` shown when it fails. */
export function check(name, ok, detail) {
  if (ok) {
    passes += 1;
    console.log(`ok   ${name}`);
  } else {
    failures += 1;
    console.log(`FAIL ${name}: ${JSON.stringify(detail)}`);
  }
}

/** Prints the tally and exits non-zero if any check failed. */
export function finish(what) {
  console.log(`${what}: ${passes} passed, ${failures} failed`);
  process.exit(failures === 0 ? 0 : 1);
}
