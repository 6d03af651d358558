// The live runs' server, in a process of its own: answering requests on the
// client's event loop would make the client wait for the server's own work,
// and the cache would be blamed for it. Prints its base URL on a line; then,
// for each line read ("count"), prints how many requests it answered since
// the last count; closes when its input ends.
//
// deno run --allow-net=127.0.0.1 bench/_live_server.ts <latency ms>

import { OpenAIServer } from "../tests/_support/openai_server.ts";

const server = OpenAIServer.start({ latency: Number(Deno.args[0] ?? 0) });
const encoder = new TextEncoder();
const say = (line: string) => Deno.stdout.writeSync(encoder.encode(`${line}\n`));
say(server.url);
let counted = 0;
for await (const _ of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  say(String(server.requests.length - counted));
  counted = server.requests.length;
}
await server.close();
