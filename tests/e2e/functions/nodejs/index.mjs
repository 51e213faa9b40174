// Node.js test handlers run by npm aws-lambda-ric under the emulator. They record what
// reached them in a file, as tests/e2e/handlers/probe.py does for Python.
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export const STREAM_CHUNKS = 3;

export const record = async (event, context) => {
  appendFileSync(
    process.env.PROBE_RECEIVED_FILE,
    JSON.stringify({ request_id: context.awsRequestId, event }) + "\n",
  );
  return { handled: event };
};

// Lambda's response streaming: the runtime posts the body in chunks as they are written.
export const stream = awslambda.streamifyResponse(async (event, responseStream) => {
  for (let chunk = 0; chunk < STREAM_CHUNKS; chunk += 1) {
    responseStream.write(`chunk ${chunk};`);
    await sleep(50);
  }
  responseStream.end();
});

// The benchmark's handler: nothing but the answer.
export const echo = async (event) => event;
