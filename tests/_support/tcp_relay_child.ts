// A TCP relay to the Redis server given as argument, in a process of its own
// (a test stops it with SIGSTOP). Prints its port, then relays until killed.

const target = new URL(Deno.args[0]!);
const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
console.log(listener.addr.port);
for await (const client of listener) {
  const server = await Deno.connect({ hostname: target.hostname, port: Number(target.port) });
  client.readable.pipeTo(server.writable).catch(() => {});
  server.readable.pipeTo(client.writable).catch(() => {});
}
