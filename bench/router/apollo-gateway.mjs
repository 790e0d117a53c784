// @apollo/gateway on Apollo Server: node apollo-gateway.mjs SUPERGRAPH_FILE PORT SECRET
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";

const [file, port, secret] = process.argv.slice(2);
const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(file, "utf8"),
  buildService: ({ url }) =>
    new RemoteGraphQLDataSource({
      url,
      willSendRequest({ request }) {
        request.http.headers.set("x-router-secret", secret);
      },
    }),
});
const server = new ApolloServer({ gateway, csrfPrevention: false });
await startStandaloneServer(server, { listen: { port: Number(port), host: "127.0.0.1" } });
