export { ApiServer } from './server.ts';
export { API_VERSION, MIN_API_VERSION } from './version.ts';
export { route, type Route, type Ctx, type Handler } from './router.ts';
export * from './http.ts';
export { containerRoutes } from './routers/containers/routes.ts';
export type { ContainersBackend } from './routers/containers/backend.ts';
export { execRoutes, type ExecBackend } from './routers/exec/routes.ts';
export { systemRoutes, type SystemBackend } from './routers/system/routes.ts';
export { networkRoutes, type NetworksBackend } from './routers/networks/routes.ts';
