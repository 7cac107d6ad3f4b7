import { createApp } from './app';

export { BoardState } from './state/board-state';
export { ClusterState } from './state/cluster-state';
export { PrincipalState } from './state/principal-state';

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Cloudflare.Env>;
