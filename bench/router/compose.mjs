// Compose subgraphs with @apollo/composition: node compose.mjs < [{"name", "url", "sdl"}]
// stdout: the supergraph SDL; on composition errors, the messages on stderr and exit code 1.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = JSON.parse(readFileSync(0, "utf8")).map((s) => ({
  name: s.name,
  url: s.url,
  typeDefs: parse(s.sdl),
}));
const result = composeServices(services);
if (result.errors) {
  process.stderr.write(result.errors.map((e) => e.message).join("\n") + "\n");
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
