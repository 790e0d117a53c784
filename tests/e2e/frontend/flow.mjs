// The design's front-end flow (backend-hld.md §7-8, §13) against a running platform, with the
// design's code shapes: an axios client whose request interceptor adds the bearer token and whose
// response interceptor refreshes on 401 and retries, the `usePayments` / `useCreatePayment`
// hooks' functions run by TanStack Query's QueryClient, and Apollo Client over /graphql.
//
// env: BASE_URL, EMAIL, PASSWORD, EXPIRED_ACCESS_TOKEN (an expired token of the same user).
// Prints one JSON object of what each step saw; exits non-zero when a step throws.
import axios from "axios";
import { QueryClient, MutationObserver } from "@tanstack/query-core";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js"; // Apollo 3 has no "exports" map

const { BASE_URL, EMAIL, PASSWORD, EXPIRED_ACCESS_TOKEN } = process.env;

// The auth store (Zustand in the design): the signed-in session.
const authStore = { user: null, accessToken: null, refreshToken: null };
const refreshes = [];

// packages/shared-api-client
const apiClient = axios.create({ baseURL: `${BASE_URL}/api`, timeout: 10000 });

apiClient.interceptors.request.use((config) => {
  if (authStore.accessToken) {
    config.headers.Authorization = `Bearer ${authStore.accessToken}`;
  }
  return config;
});

let refreshing = null; // one refresh for all the requests that got 401 together
apiClient.interceptors.response.use(
  (response) => response,
  async (error) => {
    const original = error.config;
    const retryable = original && !original._retry && !original.url.startsWith("/auth/");
    if (error.response?.status === 401 && retryable && authStore.refreshToken) {
      original._retry = true;
      // Through apiClient, so with the expired token in Authorization: a route that needs no
      // caller (refresh, login) takes a stale token as no token.
      refreshing ??= apiClient
        .post("/auth/refresh", { refreshToken: authStore.refreshToken })
        .then((response) => {
          const { accessToken, refreshToken } = response.data.data;
          Object.assign(authStore, { accessToken, refreshToken });
          refreshes.push({ after: error.response.data.error?.code ?? null });
        })
        .finally(() => {
          refreshing = null;
        });
      await refreshing;
      return apiClient(original);
    }
    return Promise.reject(error);
  },
);

// packages/web-remote-payments/src/hooks/usePayments.ts, as options for TanStack Query
const usePayments = () => ({
  queryKey: ["payments"],
  queryFn: async () => {
    const response = await apiClient.get("/payments");
    return response.data.data;
  },
});
const useCreatePayment = () => ({
  mutationFn: async (payment) => {
    const response = await apiClient.post("/payments", payment);
    return response.data.data;
  },
});

const ME_PAYMENTS = gql`
  query MePayments($first: Int!) {
    me {
      email
      payments(first: $first) {
        edges {
          node {
            id
            amount
            status
          }
        }
      }
    }
  }
`;

async function main() {
  const result = {};
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });

  // Auth store's login
  const login = await apiClient.post("/auth/login", { email: EMAIL, password: PASSWORD });
  const { user, accessToken, refreshToken } = login.data.data;
  Object.assign(authStore, { user, accessToken, refreshToken });
  result.login = { email: user.email, role: user.role };

  const create = new MutationObserver(queryClient, useCreatePayment());
  const created = await create.mutate({
    type: "initiate",
    amount: 42.5,
    currency: "USD",
    description: "front-end flow",
  });
  await queryClient.invalidateQueries({ queryKey: ["payments"] });
  result.created = { id: created.id, amount: created.amount, status: created.status };

  const payments = await queryClient.fetchQuery(usePayments());
  result.list = { isArray: Array.isArray(payments), ids: payments.map((p) => p.id) };

  // The access token expires: the next request gets 401, the interceptor refreshes and retries.
  const rotatedFrom = authStore.refreshToken;
  authStore.accessToken = EXPIRED_ACCESS_TOKEN;
  await queryClient.invalidateQueries({ queryKey: ["payments"] });
  const again = await queryClient.fetchQuery(usePayments());
  result.afterExpiry = {
    refreshes,
    refreshTokenRotated: authStore.refreshToken !== rotatedFrom,
    ids: again.map((p) => p.id),
  };

  const apollo = new ApolloClient({
    link: new HttpLink({
      uri: `${BASE_URL}/graphql`,
      fetch: (uri, options) =>
        fetch(uri, {
          ...options,
          headers: { ...options.headers, authorization: `Bearer ${authStore.accessToken}` },
        }),
    }),
    cache: new InMemoryCache(),
  });
  const graph = await apollo.query({ query: ME_PAYMENTS, variables: { first: 10 } });
  result.graphql = {
    email: graph.data.me.email,
    ids: graph.data.me.payments.edges.map((edge) => edge.node.id),
  };

  await apiClient.post("/auth/logout", { refreshToken: authStore.refreshToken });
  const signedOutRefresh = authStore.refreshToken;
  const loggedOut = await apiClient.get("/auth/me").catch((error) => error.response);
  const reused = await apiClient
    .post("/auth/refresh", { refreshToken: signedOutRefresh })
    .catch((error) => error.response);
  result.afterLogout = { me: loggedOut.status, refresh: reused.status };
  return result;
}

try {
  console.log(JSON.stringify(await main()));
} catch (error) {
  const response = error.response && {
    url: error.config?.url,
    status: error.response.status,
    data: error.response.data,
  };
  console.error(error.stack, response ? JSON.stringify(response) : "");
  process.exit(1);
}
