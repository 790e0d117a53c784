// Hive Gateway configuration: the supergraph file and the router secret come from the env;
// HIVE_INBOUND_DEDUP=1 turns on inboundInflightRequestDeduplication.
import { defineConfig } from "@graphql-hive/gateway";

export const gatewayConfig = defineConfig({
  supergraph: process.env.SUPERGRAPH_FILE,
  logging: "error",
  inboundInflightRequestDeduplication: process.env.HIVE_INBOUND_DEDUP === "1",
  propagateHeaders: {
    fromClientToSubgraphs: () => ({ "x-router-secret": process.env.ROUTER_SECRET }),
  },
});
