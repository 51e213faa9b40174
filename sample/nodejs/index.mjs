// The Node.js sample function the stack deploys behind the gate when nodejsSample is true.
// Like sample/app.py it does nothing the gate depends on: it answers with what it was given.
// The gate stands in front of it through the layer's Runtime API proxy, not in its process.
export const handler = async (event, context) => ({
  ok: true,
  function: context.functionName,
  echo: event,
});
