// Compose subgraphs with @apollo/composition.
// stdin: [{"name", "url", "sdl"}]; stdout: {"supergraphSdl"} or {"errors": [...]}.
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
  process.stdout.write(JSON.stringify({ errors: result.errors.map((e) => e.message) }));
} else {
  process.stdout.write(JSON.stringify({ supergraphSdl: result.supergraphSdl }));
}
