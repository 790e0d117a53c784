// Hive Gateway configuration: the supergraph file and the router secret come from the env.
import { defineConfig } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  supergraph: process.env.SUPERGRAPH_FILE,
  logging: "error",
  propagateHeaders: {
    fromClientToSubgraphs: () => ({ "x-router-secret": process.env.ROUTER_SECRET }),
  },
});
