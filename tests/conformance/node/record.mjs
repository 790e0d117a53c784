// Record the conformance corpus (run by tests/conformance/record.py):
// node record.mjs JOB_FILE (the job as JSON; a file, since reading a large stdin pipe
// synchronously can fail with EAGAIN).
// Per case: compose with @apollo/composition, then run every query through @apollo/gateway and
// Hive Gateway's runtime (both in-process, over the Python subgraph server), and read from the
// server how many subgraph requests each one made and whether any document was invalid.
// stdout: {case: {supergraphSdl, queries: {query: {apollo|hive: {response, fetches, invalid}}}}}
//         or {case: {errors: [...]}} when composition fails.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { createGatewayRuntime } from "@graphql-hive/gateway";
import { parse } from "graphql";

const job = JSON.parse(readFileSync(process.argv[2], "utf8"));

async function control(caseName, what) {
  const response = await fetch(`${job.base}/__control/${caseName}/${what}`, {
    method: what === "reset" ? "POST" : "GET",
  });
  return response.json();
}

// The response with each error's message, path and code only (the runner judges errors by
// path; the rest differs between gateways and would only make the fixtures noisy).
function clean(response) {
  const out = JSON.parse(JSON.stringify(response));
  if (out.errors) {
    out.errors = out.errors.map((e) => ({
      message: e.message,
      ...(e.path ? { path: e.path } : {}),
      ...(e.extensions?.code ? { extensions: { code: e.extensions.code } } : {}),
    }));
  }
  return out;
}

async function apolloRunner(supergraphSdl) {
  const server = new ApolloServer({
    gateway: new ApolloGateway({ supergraphSdl }),
    includeStacktraceInErrorResponses: false,
  });
  await server.start();
  return {
    async run(q) {
      const result = await server.executeOperation({
        query: q.query,
        variables: q.variables ?? undefined,
        operationName: q.operationName ?? undefined,
      });
      return result.body.singleResult;
    },
    stop: () => server.stop(),
  };
}

async function hiveRunner(supergraphSdl) {
  const gateway = createGatewayRuntime({ supergraph: supergraphSdl, logging: false });
  return {
    async run(q) {
      const response = await gateway.fetch("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          query: q.query,
          variables: q.variables ?? undefined,
          operationName: q.operationName ?? undefined,
        }),
      });
      return response.json();
    },
    // Disposing aborts what is still in flight; that is not an error of the recording.
    stop: () => Promise.resolve(gateway[Symbol.asyncDispose]()).catch(() => {}),
  };
}

const runners = { apollo: apolloRunner, hive: hiveRunner };
const out = {};
for (const c of job.cases) {
  const composed = composeServices(
    c.subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (composed.errors) {
    out[c.name] = { errors: composed.errors.map((e) => e.message) };
    continue;
  }
  const live = composed.supergraphSdl.replaceAll(job.urlBase, job.base);
  const queries = Object.fromEntries(c.queries.map((q) => [q.name, {}]));
  for (const [gateway, start] of Object.entries(runners)) {
    const runner = await start(live);
    try {
      for (const q of c.queries) {
        await control(c.name, "reset");
        let response;
        try {
          response = clean(await runner.run(q));
        } catch (error) {
          response = { errors: [{ message: `gateway threw: ${error.message}` }] };
        }
        const log = await control(c.name, "log");
        queries[q.name][gateway] = { response, fetches: log.fetches, invalid: log.invalid };
      }
    } finally {
      await runner.stop();
    }
  }
  out[c.name] = { supergraphSdl: composed.supergraphSdl, queries };
}
process.stdout.write(JSON.stringify(out));
