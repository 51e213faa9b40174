// The Node.js benchmark handler: nothing but the answer, so the runtime and the gate are all that is timed.
export const handler = async () => ({ ok: true });
